// `dev format-check`: lints the Swift sources with the toolchain's swift-format.

import DeepTrustSystem
import Foundation

/// The help of `dev format-check`.
private let help = """
    Lints the Swift sources with the toolchain's swift-format and the repository's .swift-format
    (4-space indentation, 130 columns; semicolon one-liners, `let a = 1, b = 2`, unsorted
    imports and ungrouped numeric literals are accepted as the existing style; so are overloads that
    differ only in `async`, like `withNoGrad`, which the compiler picks by context).

    Usage: Tools/dev/run format-check [--summary] [PATH...]
      PATH       files or folders to lint (default: Package.swift, Packages/, Tools/, Tests-Integration/)
    \(spec.flagHelp(column: 11))
    Folders are searched recursively, skipping hidden folders (build folders) and generated code
    (*/Generated/*). Exits 0 when there is nothing to report, 1 when there are findings, and 0
    with "format-check: skipped: …" when the toolchain has no swift-format (`swift format`).
    To apply the format to a file: swift format --in-place --configuration .swift-format FILE
    """

private let spec = CommandLineSpec(
    flags: [CommandLineFlag("--summary", help: "print only the counts (per rule and per package or folder), not every finding")],
    positional: CommandLinePositional(name: "a path", placeholder: "PATH", value: .text(nonEmpty: true), help: "", many: true))

/// `dev format-check [--summary] [PATH...]`.
func formatCheck(_ arguments: [String]) -> Int32 {
    let parsed = parseCommandLine(arguments, spec, name: "format-check", help: help)
    _ = FileManager.default.changeCurrentDirectoryPath(repositoryRoot)
    var paths = parsed.positionals.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    if paths.isEmpty { paths = ["Package.swift", "Packages", "Tools", "Tests-Integration"] }
    guard onPath("swift") != nil else {
        print("format-check: skipped: the Swift toolchain (swift) is not on PATH")
        return 0
    }
    let version = capture(["swift", "format", "--version"])
    guard version.status == 0 else {
        print("format-check: skipped: this toolchain has no swift-format ('swift format' is available from Swift 6.0)")
        return 0
    }
    let files = paths.flatMap(swiftFiles).sorted()
    guard !files.isEmpty else {
        print("format-check: no Swift files under \(paths.joined(separator: " "))")
        return 0
    }
    let (_, findings) = capture(
        ["swift", "format", "lint", "--parallel", "--configuration", repositoryRoot + "/.swift-format"] + files)
    let lines = findings.split(separator: "\n").map(String.init).filter { $0.contains(": warning: ") || $0.contains(": error: ") }
    if !parsed.contains("--summary") { print(findings, terminator: "") }
    let toolVersion = version.output.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !lines.isEmpty else {
        print("format-check: \(files.count) files, no findings (\(toolVersion))")
        return 0
    }
    let findingFiles = lines.map { String($0.prefix { $0 != ":" }) }
    print()
    print("format-check: \(lines.count) findings in \(Set(findingFiles).count) of \(files.count) files")
    print("by rule:")
    printCounts(lines.compactMap { matches(#": (?:warning|error): \[([A-Za-z]*)\]"#, in: $0).first?[1] })
    print("by package or folder:")
    printCounts(
        findingFiles.map { file in
            let parts = file.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts[0] == "Packages" || parts[0] == "Tools" { return parts.prefix(2).joined(separator: "/") }
            if parts.count > 2 && parts[1] == "Consumers" { return parts.prefix(3).joined(separator: "/") }
            return parts[0]
        })
    print("apply: swift format --in-place --configuration .swift-format FILE...")
    return 1
}

/// `sort | uniq -c | sort -rn`: each distinct item with its count, most frequent first.
private func printCounts(_ items: [String]) {
    let counts = Dictionary(items.map { ($0, 1) }, uniquingKeysWith: +)
    for (item, count) in counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
        print(String(repeating: " ", count: max(0, 7 - String(count).count)) + "\(count) \(item)")
    }
}

/// The Swift files at or under `path`, skipping hidden entries and `Generated` folders.
private func swiftFiles(_ path: String) -> [String] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
    guard isFolder.boolValue else { return path.hasSuffix(".swift") ? [path] : [] }
    var found: [String] = []
    for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where !name.hasPrefix(".") {
        let child = path + "/" + name
        var childIsFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: child, isDirectory: &childIsFolder)
        if childIsFolder.boolValue {
            if name != "Generated" { found += swiftFiles(child) }
        } else if name.hasSuffix(".swift") {
            found.append(child)
        }
    }
    return found
}
