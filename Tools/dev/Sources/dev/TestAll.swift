// `dev test-all`: the one test command (Tools/test-all runs it).

import DeepTrustSystem
import Foundation

/// The help of `dev test-all`.
private let help = """
    The one test command: builds and tests every package of Packages/ on its own (debug, with
    undeclared imports as errors), then the umbrella's integration tests in release, then the
    consumer packages of Tests-Integration/Consumers/ (a consumer whose manifest names packages under
    Vendor/DeepTrust/ is built in a new git project with this repository's committed HEAD as that
    submodule, the route README gives users). Prints a summary per package and a closing
    "N passed, N failed" line; exits non-zero when anything fails.

    Usage: Tools/test-all [--only NAME[,NAME…]] [--skip-umbrella] [--jobs N]
    \(spec.flagHelp(column: 15))
    """

private let spec = CommandLineSpec(flags: [
    CommandLineFlag(
        "--only", value: .list(.text(nonEmpty: true)), placeholder: "LIST", expected: "package names separated by commas",
        help: "test only these packages (names from Packages/, \"Umbrella\", or a consumer's folder name)"),
    CommandLineFlag("--skip-umbrella", help: "skip the umbrella's integration tests and the consumers"),
    CommandLineFlag("--jobs", value: .integer(1...Int.max), placeholder: "N", help: "build jobs (default: number of cores)"),
])

/// The packages of Packages/, in the order they are tested.
private let packages = ["TensorCore", "TestKit", "CUDABackend", "MNISTData", "VAEModels", "Training"]

/// `dev test-all [--only NAME[,NAME…]] [--skip-umbrella] [--jobs N]`.
func testAll(_ arguments: [String]) -> Int32 {
    let parsed = parseCommandLine(arguments, spec, name: "test-all", help: help)
    requireSwift("test-all", "; install Swift 6.x first")
    _ = FileManager.default.changeCurrentDirectoryPath(repositoryRoot)
    let only = parsed.list("--only")
    let jobs = parsed.integer("--jobs") ?? coreCount
    let logFolder = temporaryDirectory("test-all")
    defer { try? FileManager.default.removeItem(atPath: logFolder) }
    let check = ["--explicit-target-dependency-import-check", "error", "-j", String(jobs)]
    var summary: [String] = []
    var totalPassed = 0
    var totalFailed = 0
    var anyFailed = false

    func wanted(_ name: String) -> Bool { only.map { $0.contains(name) } ?? true }

    func runSuite(_ name: String, _ path: String, _ configuration: String) {
        let logPath = "\(logFolder)/\(name).log"
        let log = logFile(logPath)
        defer { try? log.close() }
        let start = Date()
        func seconds() -> Int { Int(Date().timeIntervalSince(start)) }
        print("==> \(name) (\(path), \(configuration))")
        guard hasSwiftFiles(in: ["\(path)/Tests", "\(path)/Tests-Integration"]) else {
            let rc = run(["swift", "build", "--package-path", path, "-c", configuration] + check, output: log, errors: log)
            print(contents(logPath), terminator: "")
            if rc != 0 {
                summary.append("FAIL  \(name): build failed")
                anyFailed = true
                totalFailed += 1
            } else {
                summary.append("ok    \(name): built (no tests yet) in \(seconds()) s")
            }
            return
        }
        var rc = run(
            ["swift", "build", "--package-path", path, "-c", configuration, "--build-tests"] + check, output: log, errors: log)
        if rc == 0 {
            rc = runTee(["swift", "test", "--package-path", path, "-c", configuration, "--skip-build"], log: log)
        } else {
            print(contents(logPath), terminator: "")
        }
        var (passed, failed) = countResults(contents(logPath))
        totalPassed += passed
        if rc != 0 {
            if failed == 0 { failed = 1 }
            summary.append("FAIL  \(name): \(passed) passed, \(failed) failed (\(seconds()) s)")
            anyFailed = true
        } else {
            summary.append("ok    \(name): \(passed) passed (\(seconds()) s)")
        }
        totalFailed += failed
    }

    // Every import must be declared by its target (stricter than SwiftPM's check, which accepts any
    // module of the transitive closure).
    if only == nil {
        print("==> check-imports")
        if checkImports(in: defaultImportCheckPackages()) == 0 {
            summary.append("ok    check-imports: every import is a declared dependency")
        } else {
            summary.append("FAIL  check-imports: undeclared imports (see above)")
            anyFailed = true
            totalFailed += 1
        }
    }
    for package in packages where wanted(package) {
        runSuite(package, "Packages/\(package)", "debug")
    }
    if !parsed.contains("--skip-umbrella") {
        if wanted("Umbrella") { runSuite("Umbrella", ".", "release") }
        for consumer in packageFolders(under: "Tests-Integration/Consumers") {
            let name = URL(fileURLWithPath: consumer).lastPathComponent
            guard wanted(name) else { continue }
            if contents("\(consumer)/Package.swift").contains("Vendor/DeepTrust/") {
                if let project = submoduleProject(consumer, name: name, in: logFolder) {
                    runSuite(name, project, "debug")
                } else {
                    summary.append("FAIL  \(name): could not add this repository as a git submodule (see above)")
                    anyFailed = true
                    totalFailed += 1
                }
            } else {
                runSuite(name, consumer, "debug")
            }
        }
    }
    print()
    print("==> Summary")
    for line in summary { print(line) }
    print("test-all: \(totalPassed) passed, \(totalFailed) failed")
    return anyFailed ? 1 : 0
}

/// Whether any of `folders` holds a Swift file (at any depth).
private func hasSwiftFiles(in folders: [String]) -> Bool {
    folders.contains { folder in
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return false }
        for case let path as String in walker where path.hasSuffix(".swift") { return true }
        return false
    }
}

/// The passed and failed tests a log reports, from Swift Testing's and XCTest's output.
func countResults(_ log: String) -> (passed: Int, failed: Int) {
    let swiftTestingTotal = matches(#"Test run with ([0-9]+) tests?"#, in: log).reduce(0) { $0 + (Int($1[1]) ?? 0) }
    let swiftTestingFailed = matches(#"^✘ Test [^r].* failed after"#, in: log, options: .anchorsMatchLines).count
    let xctest = matches(#"Executed ([0-9]+) tests?, with ([0-9]+) failures?"#, in: log).last
    let xctestTotal = xctest.flatMap { Int($0[1]) } ?? 0
    let xctestFailed = xctest.flatMap { Int($0[2]) } ?? 0
    return (swiftTestingTotal - swiftTestingFailed + xctestTotal - xctestFailed, swiftTestingFailed + xctestFailed)
}

/// The path of a new git project holding `source`'s files, with this repository's committed HEAD
/// as the submodule Vendor/DeepTrust: the route README gives users, as a user's own clone would
/// see it (SwiftPM cannot fetch a package from a repository's subfolder by URL, so the packages
/// are named by path inside the submodule). `nil`, with the reason printed, when that fails.
private func submoduleProject(_ source: String, name: String, in logFolder: String) -> String? {
    let project = "\(logFolder)/projects/\(name)"
    let head = capture(["git", "-C", repositoryRoot, "rev-parse", "--verify", "-q", "HEAD"], errors: FileHandle.nullDevice)
    guard head.status == 0 else {
        printError("test-all: \(name) needs this repository as a git checkout with a commit (for the submodule)")
        return nil
    }
    let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
    let dirty = capture(["git", "-C", repositoryRoot, "status", "--porcelain", "--", "Packages"], errors: FileHandle.nullDevice)
    if !dirty.output.isEmpty {
        printError(
            "test-all: note: \(name) builds the committed HEAD \(commit.prefix(9)) of Packages/; uncommitted changes there are not in its submodule"
        )
    }
    let copy = """
        cd "$1" && tar --exclude='./.build' --exclude='./.build-*' --exclude='./.swiftpm' -cf - . | (cd "$2" && tar -xf -)
        """
    let steps: [[String]] = [
        ["mkdir", "-p", project],
        ["bash", "-c", copy, "copy", source, project],
        ["git", "-C", project, "init", "-q"],
        ["git", "-C", project, "-c", "protocol.file.allow=always", "submodule", "add", "-q", repositoryRoot, "Vendor/DeepTrust"],
        ["git", "-C", "\(project)/Vendor/DeepTrust", "checkout", "-q", "--detach", commit],
    ]
    for step in steps where run(step, output: FileHandle.standardError) != 0 { return nil }
    return project
}
