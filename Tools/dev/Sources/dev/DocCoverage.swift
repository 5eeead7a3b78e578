// `dev doc-coverage`: the public declarations without a doc comment, per package, from the
// symbol graphs `swift package dump-symbol-graph` writes.

import DeepTrustSystem
import Foundation

/// The help of `dev doc-coverage`.
private let help = """
    Lists the public declarations without a doc comment, per package, from the symbol graphs the
    toolchain extracts (swift package dump-symbol-graph: builds the package in debug first).
    A declaration that implements a documented protocol requirement inherits its comment (as DocC
    shows it) and counts as documented. Declarations in Tests/ and in other packages are ignored.

    Usage: Tools/dev/run doc-coverage [--all-kinds] [--scratch NAME] [PACKAGE...]
      PACKAGE      names from Packages/ (default: all of them)
    \(spec.flagHelp(column: 13))
    Prints "  path:line  kind  Symbol" per gap and a summary line per package; exits 1 when a type
    or function (any declaration with --all-kinds) is undocumented, 2 when a build fails.
    """

private let spec = CommandLineSpec(
    flags: [
        CommandLineFlag("--all-kinds", help: "also list undocumented properties and enum cases (always counted)"),
        CommandLineFlag(
            "--scratch", value: .text(nonEmpty: true), placeholder: "NAME",
            help: "build in Packages/<P>/.build-NAME instead of Packages/<P>/.build"),
    ],
    positional: CommandLinePositional(
        name: "a package", placeholder: "PACKAGE", value: .text(nonEmpty: true), help: "", many: true))

/// `dev doc-coverage [--all-kinds] [--scratch NAME] [PACKAGE...]`.
func docCoverage(_ arguments: [String]) -> Int32 {
    let parsed = parseCommandLine(arguments, spec, name: "doc-coverage", help: help)
    requireSwift("doc-coverage")
    _ = FileManager.default.changeCurrentDirectoryPath(repositoryRoot)
    let allKinds = parsed.contains("--all-kinds")
    let scratch = parsed.value("--scratch")
    var packages = parsed.positionals
    if packages.isEmpty { packages = packageFolders(under: "Packages").map { URL(fileURLWithPath: $0).lastPathComponent } }
    var status: Int32 = 0
    for package in packages {
        let directory = "Packages/\(package)"
        guard FileManager.default.fileExists(atPath: "\(directory)/Package.swift") else {
            printError("doc-coverage: no package \(directory)")
            return 2
        }
        let build = "\(directory)/.build" + (scratch.map { "-\($0)" } ?? "")
        let (_, log) = capture([
            "swift", "package", "--package-path", directory, "--scratch-path", build, "dump-symbol-graph",
            "--skip-synthesized-members",
        ])
        // The test bundles' modules (…PackageTests, …PackageDiscoveredTests) only exist after a test
        // build and have no public API: their "Failed to emit symbol graph" errors are expected.
        let failed = matches("Failed to emit symbol graph for '([^']*)'", in: log).filter {
            !$0[1].hasSuffix("PackageTests") && !$0[1].hasSuffix("PackageDiscoveredTests")
        }
        guard failed.isEmpty, log.split(separator: "\n").contains(where: { $0.hasPrefix("Files written to") }) else {
            print(log, terminator: "")
            printError("doc-coverage: \(package): building the symbol graphs failed")
            return 2
        }
        guard let graphs = symbolGraphFolder(under: build) else {
            printError("doc-coverage: \(package): no symbol graphs under \(build)")
            return 2
        }
        print("==> \(package)")
        let result = listUndocumented(packageDirectory: directory, graphDirectory: graphs, allKinds: allKinds)
        if result != 0 { status = result }
    }
    return status
}

/// The first folder named `symbolgraph` at most three levels below `build`.
private func symbolGraphFolder(under build: String) -> String? {
    var level = [build]
    for _ in 0..<3 {
        var next: [String] = []
        for folder in level {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() {
                let path = "\(folder)/\(name)"
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { continue }
                if name == "symbolgraph" { return path }
                next.append(path)
            }
        }
        level = next
    }
    return nil
}

/// Kinds that are members rather than types or functions.
private let memberKinds: Set<String> = ["swift.property", "swift.type.property", "swift.enum.case"]

/// Short names of the kinds for the listing.
private func shortKind(_ identifier: String) -> String {
    identifier.hasPrefix("swift.") ? String(identifier.dropFirst(6)) : identifier
}

/// One undocumented declaration.
private struct Gap: Hashable {
    let file: String
    let line: Int
    let kind: String
    let path: String
    var isMember: Bool { memberKinds.contains(kind) }
}

/// Lists the public declarations of the package in `packageDirectory` that have no doc comment,
/// from the symbol graphs in `graphDirectory`. A declaration counts as documented when it has its
/// own doc comment or inherits one from the protocol requirement it implements (as DocC shows it).
/// Only declarations in Sources/ are considered. Without `allKinds`, properties and enum cases are
/// counted but not listed. Returns 1 when a type or function (any declaration with `allKinds`) is
/// undocumented, 2 when a graph cannot be read.
private func listUndocumented(packageDirectory: String, graphDirectory: String, allKinds: Bool) -> Int32 {
    let packagePath = URL(fileURLWithPath: packageDirectory).standardizedFileURL.resolvingSymlinksInPath().path
    let sourcesPrefix = packagePath + "/Sources/"
    var gaps = Set<Gap>()
    let files = (try? FileManager.default.contentsOfDirectory(atPath: graphDirectory)) ?? []
    for file in files.sorted() where file.hasSuffix(".symbols.json") {
        guard let data = FileManager.default.contents(atPath: graphDirectory + "/" + file),
            let graph = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let symbols = graph["symbols"] as? [[String: Any]]
        else {
            print("doc-coverage: cannot read \(graphDirectory)/\(file)")
            return 2
        }
        for symbol in symbols {
            guard let access = symbol["accessLevel"] as? String, access == "public" || access == "open",
                let kind = (symbol["kind"] as? [String: Any])?["identifier"] as? String, kind != "swift.extension",
                let location = symbol["location"] as? [String: Any], let uri = location["uri"] as? String,
                symbol["docComment"] == nil
            else { continue }
            let path = URL(string: uri)?.standardizedFileURL.resolvingSymlinksInPath().path ?? uri
            guard path.hasPrefix(sourcesPrefix) else { continue }
            let line = ((location["position"] as? [String: Any])?["line"] as? Int ?? 0) + 1
            let components = (symbol["pathComponents"] as? [String] ?? []).joined(separator: ".")
            gaps.insert(Gap(file: "Sources/" + path.dropFirst(sourcesPrefix.count), line: line, kind: kind, path: components))
        }
    }
    let sorted = gaps.sorted { ($0.file, $0.line, $0.path) < ($1.file, $1.line, $1.path) }
    let functionsAndTypes = sorted.filter { !$0.isMember }
    let members = sorted.filter(\.isMember)
    for gap in allKinds ? sorted : functionsAndTypes {
        print("  \(gap.file):\(gap.line)  \(shortKind(gap.kind))  \(gap.path)")
    }
    let name = URL(fileURLWithPath: packagePath).lastPathComponent
    print(
        "\(name): \(sorted.count) undocumented (types and functions: \(functionsAndTypes.count), "
            + "properties and cases: \(members.count))")
    return (allKinds ? sorted : functionsAndTypes).isEmpty ? 0 : 1
}
