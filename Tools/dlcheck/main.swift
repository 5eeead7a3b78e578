// dlcheck: runs TestKit's suites against the built-in datasets, models, losses and trainer on a
// chosen device and prints a table (check, configuration, result, time, message) and JSON.
// Exit status: 0 when nothing failed, 1 when a check failed, 2 for bad flags.

import DeepTrustSystem
import TensorCore
import TestKit

lineBufferStandardOutput()

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--mutate") { exit(runMutationAnalysis(arguments)) }  // Mutate.swift
let options: DLCheckOptions
do {
    options = try DLCheckOptions.parse(arguments)
} catch {
    printError("dlcheck: \(error)\nRun 'dlcheck --help' for the flags.")
    exit(2)
}
if options.showHelp {
    print(DLCheckOptions.help)
    exit(0)
}

// The device is checked once, where it is chosen; an unavailable one is a bad flag.
do {
    try DLCheckRunner.prepare(options.device)
} catch {
    printError("dlcheck: \(error)")
    exit(2)
}
if options.device.kind != .cuda { SimulatedDevice.install() }  // device moving runs without a GPU too

// The --json file is opened (created or emptied) before any check runs, so an unwritable path
// is reported at once; each check's report is appended as one line when the check ends.
var jsonFile: Int32 = -1
if let path = options.jsonPath {
    jsonFile = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0o644)
    var info = stat()
    if jsonFile >= 0 && (fstat(jsonFile, &info) != 0 || (info.st_mode & S_IFMT != S_IFREG && info.st_mode & S_IFMT != S_IFCHR)) {
        close(jsonFile)
        printError("dlcheck: cannot write --json file '\(path)': not a regular file")
        exit(2)
    }
    guard jsonFile >= 0 else {
        printError("dlcheck: cannot write --json file '\(path)': \(systemErrorMessage(errno))")
        exit(2)
    }
}

/// Appends `line` and a newline to the --json file `jsonFile` (none when negative); a failed
/// write is reported and ends dlcheck.
func appendJSONLine(_ line: String, to jsonFile: Int32, path: String?) {
    guard jsonFile >= 0 else { return }
    let bytes = Array((line + "\n").utf8)
    var done = 0
    while done < bytes.count {
        let written = bytes.withUnsafeBytes { write(jsonFile, $0.baseAddress! + done, $0.count - done) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else {
            printError("dlcheck: cannot write --json file '\(path ?? "")': \(systemErrorMessage(errno))")
            exit(2)
        }
        done += written
    }
}

let reports: [CheckReport]
do {
    reports = try DLCheckRunner(options: options).run { report in
        print(ReportTable.progressLine(report))
        appendJSONLine(ReportTable.jsonObject(report), to: jsonFile, path: options.jsonPath)
    }
} catch {
    printError("dlcheck: \(error)")
    exit(2)
}
print(ReportTable.render(reports))
print(ReportTable.json(reports, device: options.device))
appendJSONLine(ReportTable.json(reports, device: options.device, singleLine: true), to: jsonFile, path: options.jsonPath)
if jsonFile >= 0 { close(jsonFile) }
let failed = reports.filter { $0.status == "failed" }.count
let passed = reports.filter { $0.status == "passed" }.count
let skipped = reports.filter { $0.status == "skipped" }.count
print("dlcheck: \(passed) passed, \(failed) failed, \(skipped) skipped")
exit(failed == 0 ? 0 : 1)

/// Writes `text` and a newline to standard error.
func printError(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

/// Makes standard output line-buffered, so that nothing printed is lost when the process dies
/// with its output in a pipe. (`stdout` is found through `dlsym`: Swift 6 refuses a reference
/// to the C global, which is shared mutable state.)
func lineBufferStandardOutput() {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout") else { return }
    setvbuf(symbol.load(as: UnsafeMutablePointer<FILE>?.self), nil, _IOLBF, 0)
}
