// dlcheck: runs TestKit's suites against the built-in datasets, models, losses and trainer on a
// chosen device and prints a table (check, configuration, result, time, message) and JSON.
// Exit status: 0 when nothing failed, 1 when a check failed, 2 for bad flags.

import TensorCore
import TestKit

#if canImport(Glibc)
import Glibc
#endif

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

if options.device.kind != .cuda { SimulatedDevice.install() }  // device moving runs without a GPU too
let reports: [CheckReport]
do {
    reports = try DLCheckRunner(options: options).run()
} catch {
    printError("dlcheck: \(error)")
    exit(2)
}
print(ReportTable.render(reports))
let json = ReportTable.json(reports, device: options.device)
print(json)
if let path = options.jsonPath {
    guard let file = fopen(path, "w") else {
        printError("dlcheck: cannot write --json file '\(path)': \(String(cString: strerror(errno)))")
        exit(2)
    }
    fputs(json + "\n", file)
    fclose(file)
}
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
