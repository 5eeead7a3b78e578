import Foundation
import Testing

/// Runs the repository's Python readers (Tools/python/readers/*.py) for the interoperability tests.
///
/// The interpreter is `$DEEPTRUST_PYTHON` when set, else `python3` from `PATH`. Tests call
/// ``requireModules(_:)`` first, which cancels (skips) the test with a message when Python or a
/// module is missing, so the suite passes on machines without Python.
enum PythonTool {
    /// The repository root, found from this file's path (Packages/Training/Tests/TrainingTests/).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs the interpreter with `arguments`; nil when it cannot be started at all.
    static func run(_ arguments: [String]) -> Output? {
        let process = Process()
        if let python = ProcessInfo.processInfo.environment["DEEPTRUST_PYTHON"], !python.isEmpty {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
        }
        // Files rather than pipes, so a large output can never fill a pipe and block the child.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("python-tool-\(UUID().uuidString)")
        let outURL = scratch.appendingPathExtension("out"), errURL = scratch.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        do {
            let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
            defer { try? out.close(); try? err.close() }
            process.standardOutput = out
            process.standardError = err
            process.currentDirectoryURL = repositoryRoot
            try process.run()
            process.waitUntilExit()
        } catch {
            return nil
        }
        let stdout = (try? Data(contentsOf: outURL)) ?? Data()
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        return Output(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Cancels the current test with a message unless Python runs and imports `modules`.
    static func requireModules(_ modules: [String]) throws {
        let imports = modules.map { "import \($0)" }.joined(separator: "; ")
        guard let probe = run(["-c", imports]), probe.status != 127 else {
            try Test.cancel("Python is not available (set DEEPTRUST_PYTHON or put python3 on PATH); skipping")
        }
        guard probe.status == 0 else {
            let missing = probe.stderr.split(separator: "\n").last.map(String.init) ?? "import failed"
            try Test.cancel(
                "Python cannot import \(modules.joined(separator: ", ")) (\(missing)); skipping. Tools/python-env installs them.")
        }
    }

    /// Runs `Tools/python/readers/<script>` with `arguments` and parses its standard output as JSON.
    static func runJSON(script: String, _ arguments: [String]) throws -> [String: Any] {
        let scriptPath = repositoryRoot.appendingPathComponent("Tools/python/readers/\(script)").path
        guard let output = run([scriptPath] + arguments) else {
            Issue.record("could not start Python for \(script)")
            return [:]
        }
        guard output.status == 0 else {
            Issue.record("\(script) exited with status \(output.status): \(output.stderr)")
            return [:]
        }
        guard let json = try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any] else {
            Issue.record("\(script) did not print a JSON object")
            return [:]
        }
        return json
    }
}
