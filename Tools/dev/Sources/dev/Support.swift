// What the subcommands share: the repository root, the command line, running programs.

import DeepTrustSystem
import Foundation

/// The repository root: the folder whose Tools/dev/Package.swift built this executable (found
/// upwards from the executable, which lives in Tools/dev/.build/), else the working directory.
let repositoryRoot: String = {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
    while folder.path != "/" {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Tools/dev/Package.swift").path) {
            return folder.standardizedFileURL.path
        }
        folder.deleteLastPathComponent()
    }
    return FileManager.default.currentDirectoryPath
}()

/// Writes `text` and a newline to standard error (after flushing standard output).
func printError(_ text: String) {
    fflush(nil)
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Parses the arguments of subcommand `name` with `spec`: prints `help` and exits 0 on -h/--help,
/// prints the error and exits 2 on a bad command line.
func parseCommandLine(_ arguments: [String], _ spec: CommandLineSpec, name: String, help: String) -> ParsedCommandLine {
    do {
        guard case .arguments(let parsed) = try spec.parse(arguments) else {
            print(help)
            exit(0)
        }
        return parsed
    } catch {
        printError("\(name): \(error) (see --help)")
        exit(2)
    }
}

/// Whether `name` is an executable on PATH.
func onPath(_ name: String) -> String? {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Exits 2 with "`name`: the Swift toolchain (swift) is not on PATH…" when there is no `swift`.
func requireSwift(_ name: String, _ detail: String = "") {
    guard onPath("swift") == nil else { return }
    printError("\(name): the Swift toolchain (swift) is not on PATH\(detail)")
    exit(2)
}

/// Runs `arguments` (the program looked up on PATH) in `directory` and returns its exit status
/// (128 + the signal when killed); its output goes to `output` (default: this process's
/// standard output), its errors to `errors` (default: standard error).
@discardableResult
func run(
    _ arguments: [String], in directory: String? = nil, output: FileHandle? = nil, errors: FileHandle? = nil,
    environment: [String: String]? = nil
) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let output { process.standardOutput = output }
    if let errors { process.standardError = errors }
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    fflush(nil)
    do { try process.run() } catch {
        printError("cannot run \(arguments.joined(separator: " ")): \(error)")
        return 127
    }
    process.waitUntilExit()
    return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
}

/// Runs `arguments` and returns its exit status and its output (standard output, and standard
/// error too unless `errors` is given).
func capture(_ arguments: [String], in directory: String? = nil, errors: FileHandle? = nil) -> (status: Int32, output: String) {
    let pipe = Pipe()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.standardOutput = pipe
    process.standardError = errors ?? pipe
    do { try process.run() } catch { return (127, "cannot run \(arguments.joined(separator: " ")): \(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs `arguments`, writing its output (and errors) both to standard output and to `log`
/// (`… 2>&1 | tee -a log`), and returns its exit status.
func runTee(_ arguments: [String], log: FileHandle) -> Int32 {
    let pipe = Pipe()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = pipe
    process.standardError = pipe
    fflush(nil)
    do { try process.run() } catch { return 127 }
    let reader = pipe.fileHandleForReading
    while true {
        let chunk = reader.availableData
        if chunk.isEmpty { break }
        FileHandle.standardOutput.write(chunk)
        log.write(chunk)
    }
    process.waitUntilExit()
    return process.terminationStatus
}

/// A new empty temporary directory (`mktemp -d`).
func temporaryDirectory(_ prefix: String = "dev") -> String {
    var template = Array("\(ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")/\(prefix)-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return made.map { String(cString: $0) } ?? "/tmp"
}

/// A file handle appending to `path` (created empty).
func logFile(_ path: String) -> FileHandle {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = FileHandle(forWritingAtPath: path)!
    handle.seekToEndOfFile()
    return handle
}

/// The text of the file at `path` ("" when unreadable).
func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

/// All matches of the regular expression `pattern` in `text`, each as its capture groups
/// (group 0 the whole match).
func matches(_ pattern: String, in text: String, options: NSRegularExpression.Options = []) -> [[String]] {
    guard let expression = try? NSRegularExpression(pattern: pattern, options: options) else { return [] }
    return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
        (0..<match.numberOfRanges).map { Range(match.range(at: $0), in: text).map { String(text[$0]) } ?? "" }
    }
}

/// The number of logical cores (`nproc`).
var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }

/// The folders directly under `path` that hold a Package.swift, sorted (`path/*/`).
func packageFolders(under path: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.sorted().filter { FileManager.default.fileExists(atPath: "\(path)/\($0)/Package.swift") }.map { "\(path)/\($0)" }
}
