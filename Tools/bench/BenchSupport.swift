// Shared machinery of the `bench` subcommands: options, median timing, tables, JSON reports and
// the companion Python (PyTorch) runs. Full Foundation is needed here for `Process` (running the
// companion script) and reading files; the tool is not a library, so its size does not matter.
import DeepTrustSystem
import Foundation
import TensorCore

/// A benchmark subcommand: `bench <name> [options]`.
protocol BenchSubcommand {
    /// The first command-line argument that selects it.
    static var name: String { get }
    /// One line for the usage text.
    static var summary: String { get }
    /// Runs the benchmark; prints a table, then the JSON report, and writes it to `--json FILE`.
    static func run(_ options: BenchOptions) throws
    /// Flags of this subcommand that take a value, parsed into ``BenchOptions/extra``. Declared by
    /// every subcommand (no default), so a declaration of another type cannot silently mean none.
    static var extraFlags: [CommandLineFlag] { get }
}

/// A usage or environment problem, printed with the usage text.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Options every subcommand understands.
struct BenchOptions {
    /// Thread counts to measure, in order (`--threads 1,2`; default 1 and the machine's cores).
    var threads: [Int]
    /// Timed samples per figure; the median is reported (`--repeats N`, default 5).
    var repeats: Int
    /// Also write the JSON report here (`--json FILE`).
    var jsonPath: String?
    /// Python interpreter for the companion scripts (`--python PATH`, else `DEEPTRUST_PYTHON`, else `python3`).
    var python: String
    /// Skip the PyTorch column (`--no-torch`).
    var skipTorch: Bool
    /// What the gemm and conv figures time (`--clock wall|cpu`, default wall).
    var clock: TimingClock
    /// Subcommand-specific `--flag value` pairs (see `value(_:)`).
    var extra: [String: String]

    /// The flags every subcommand takes.
    static let commonFlags = [
        CommandLineFlag(
            "--threads", value: .list(.integer(1...Int.max)), placeholder: "LIST",
            expected: "positive integers separated by commas", help: "thread counts, comma-separated (default: 1,<cores>)"),
        CommandLineFlag(
            "--repeats", value: .integer(1...Int.max), placeholder: "N", expected: "a positive integer",
            help: "timed samples per figure; medians are reported (default 5)"),
        CommandLineFlag(
            "--json", value: .text(nonEmpty: true), placeholder: "FILE", expected: "a file path",
            help: "also write the JSON report to FILE"),
        CommandLineFlag(
            "--python", value: .text(nonEmpty: true), placeholder: "PATH", expected: "a Python interpreter",
            help: "Python with torch for the PyTorch column (default: $DEEPTRUST_PYTHON or python3)"),
        CommandLineFlag("--no-torch", help: "skip the PyTorch column"),
        CommandLineFlag(
            "--clock", value: .choice(["wall", "cpu"]), placeholder: "CLOCK",
            help: """
                gemm, conv, step: `wall` (default) or `cpu`: process CPU time per call, on both sides;
                robust to other processes on a shared machine, but it adds up all threads,
                so it measures speed only with --threads 1
                """),
    ]

    static let usage = "common options:\n" + CommandLineSpec(flags: commonFlags).flagHelp(column: 17)

    /// Parses `arguments` (after the subcommand name); `extraFlags` are the subcommand's own flags.
    /// `nil` when they ask for the help.
    init?(arguments: [String], extraFlags: [CommandLineFlag] = []) throws(CommandLineError) {
        guard case .arguments(let parsed) = try CommandLineSpec(flags: Self.commonFlags + extraFlags).parse(arguments) else {
            return nil
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        threads = parsed.list("--threads")?.compactMap { Int($0) } ?? (cores > 1 ? [1, cores] : [1])
        repeats = parsed.integer("--repeats") ?? 5
        jsonPath = parsed.value("--json")
        python = parsed.value("--python") ?? ProcessInfo.processInfo.environment["DEEPTRUST_PYTHON"] ?? "python3"
        skipTorch = parsed.contains("--no-torch")
        clock = parsed.value("--clock").flatMap(TimingClock.init(rawValue:)) ?? .wall
        extra = [:]
        for flag in extraFlags {
            extra[flag.name] = parsed.value(flag.name)
        }
    }
}

// MARK: - Timing

/// What a timed sample measures.
enum TimingClock: String {
    /// Elapsed time.
    case wall
    /// CPU time of the whole process (all threads).
    case cpu

    /// Seconds on this clock since an arbitrary origin.
    func now() -> Double {
        var time = timespec()
        clock_gettime(self == .wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}

/// Median over `repeats` samples of the seconds one call of `body` takes on `clock`; each sample
/// times enough back-to-back calls to last at least `minimumSeconds` (after one warm-up call).
func medianSeconds(
    repeats: Int, minimumSeconds: Double = 0.05, clock: TimingClock = .wall,
    _ body: () -> Void
) -> Double {
    body()
    return median(ofSorted: sortedSampleSeconds(repeats: repeats, minimumSeconds: minimumSeconds, clock: clock, body))
}

/// `repeats` samples, in ascending order, of the seconds one call of `body` takes on `clock`: one
/// timed call sets how many back-to-back calls a sample runs to last at least `minimumSeconds`.
/// Warm-up calls are the caller's.
func sortedSampleSeconds(repeats: Int, minimumSeconds: Double, clock: TimingClock, _ body: () -> Void) -> [Double] {
    var start = clock.now()
    body()
    let once = max(clock.now() - start, 1e-7)
    let inner = max(1, Int(minimumSeconds / once))
    var samples: [Double] = []
    for _ in 0..<repeats {
        start = clock.now()
        for _ in 0..<inner { body() }
        samples.append((clock.now() - start) / Double(inner))
    }
    return samples.sorted()
}

/// The median of ascending, non-empty `samples`.
func median(ofSorted samples: [Double]) -> Double {
    samples.count % 2 == 1
        ? samples[samples.count / 2]
        : (samples[samples.count / 2 - 1] + samples[samples.count / 2]) / 2
}

/// Deterministic values in [-1, 1) for benchmark inputs.
func benchValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int((state >> 40) % 2001) - 1000) / 1000
    }
}

/// A CPU buffer holding `values`.
func benchBuffer(_ values: [Float]) -> any DeviceBuffer {
    let buffer = CPUBackend.shared.allocate(count: values.count)
    values.withUnsafeBufferPointer { CPUBackend.shared.upload($0, to: buffer, offset: 0) }
    return buffer
}

// MARK: - Tables

/// A text table: the first column left-aligned, the others right-aligned.
struct Table {
    var title: String
    var columns: [String]
    var rows: [[String]] = []

    func render() -> String {
        let widths = columns.indices.map { column in
            ([columns[column]] + rows.map { column < $0.count ? $0[column] : "" }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        return ([title, line(columns), rule] + rows.map(line)).joined(separator: "\n")
    }
}

/// `value` with `digits` decimals, or "-" when absent.
func formatted(_ value: Double?, digits: Int = 1) -> String {
    guard let value, value.isFinite else { return "-" }
    return String(format: "%.\(digits)f", value)
}

// MARK: - JSON

/// Reports and the companion scripts' output use DeepTrustSystem's ``JSONValue``.
extension JSONValue {
    /// `.number`, or `.null` for nil.
    static func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }

    /// Compact JSON text with sorted keys.
    func text(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The machine a report was taken on.
func machineDescription() -> JSONValue {
    var model = "unknown"
    if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
        let colon = line.firstIndex(of: ":")
    {
        model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var load: JSONValue = .null
    if let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
        let first = text.split(separator: " ").first, let value = Double(first)
    {
        load = .number(value)
    }
    return .object([
        "cpu": .string(model),
        "cores": .number(Double(ProcessInfo.processInfo.activeProcessorCount)),
        "instructionSet": .string(CPUBackend.detectedInstructionSet.rawValue),
        "loadAverage1m": load,
    ])
}

/// Prints the tables, then the report as JSON (and writes it to `--json FILE`).
func finish(report: JSONValue, tables: [Table], notes: [String], options: BenchOptions) throws {
    for table in tables { print(table.render() + "\n") }
    for note in notes { print(note) }
    let json = report.text(pretty: true)
    print(json)
    if let path = options.jsonPath {
        do {
            try (json + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw BenchError("cannot write the JSON report to \(path): \(error)")
        }
    }
}

/// A one-line header: machine, instruction set, load.
func machineLine(_ machine: JSONValue) -> String {
    let cores = machine["cores"]?.number.map { String(Int($0)) } ?? "?"
    let load = machine["loadAverage1m"]?.number.map { String(format: "%.2f", $0) } ?? "?"
    return
        "machine: \(machine["cpu"]?.string ?? "?"), \(cores) cores, \(machine["instructionSet"]?.string ?? "?"); load average \(load)"
}

// MARK: - Companion Python scripts

/// The outcome of a companion run: its JSON figures, or why the PyTorch column is empty.
enum CompanionOutcome {
    case figures(JSONValue)
    case skipped(String)
}

/// Runs `Tools/python/bench/<script>` with `arguments` and parses the JSON object on the last line of
/// its output. The script is found relative to the working directory, then relative to this source
/// file (Tools/bench/), so a bench built here runs from any directory.
func runCompanion(script: String, arguments: [String], options: BenchOptions) -> CompanionOutcome {
    if options.skipTorch { return .skipped("--no-torch given") }
    let candidates = [
        "Tools/python/bench/\(script)",
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/bench/\(script)").path,
    ]
    guard let scriptPath = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
        return .skipped("companion script \(script) not found (run from the repository root)")
    }
    let process = Process()
    if options.python.contains("/") {
        process.executableURL = URL(fileURLWithPath: options.python)
        process.arguments = [scriptPath] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [options.python, scriptPath] + arguments
    }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    do {
        try process.run()
    } catch {
        return .skipped("cannot start \(options.python): \(error.localizedDescription)")
    }
    // Drain stderr concurrently, so a chatty child cannot block on a full pipe while we read stdout.
    let errorHandle = errors.fileHandleForReading
    let errorData = LockedBox<Data>()
    let drained = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errorData.value = errorHandle.readDataToEndOfFile()
        drained.signal()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    drained.wait()
    let stderrText = String(decoding: errorData.value ?? Data(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationStatus == 0 else {
        let reason = stderrText.split(separator: "\n").suffix(3).joined(separator: " | ")
        if process.terminationStatus == 3 { return .skipped("PyTorch is not available to \(options.python): \(reason)") }
        return .skipped("\(options.python) \(script) exited with status \(process.terminationStatus): \(reason)")
    }
    let lines = String(decoding: outputData, as: UTF8.self).split(separator: "\n")
    guard let last = lines.last, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(last.utf8)) else {
        return .skipped("\(script) printed no JSON result")
    }
    return .figures(value)
}

/// A value written by one thread and read by another, guarded by a lock.
final class LockedBox<Value>: @unchecked Sendable {
    // @unchecked Sendable: every access to `stored` holds `lock`.
    private let lock = NSLock()
    private var stored: Value?
    var value: Value? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
