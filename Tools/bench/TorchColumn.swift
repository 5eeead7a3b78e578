// The PyTorch column of `bench gemm`, `bench conv` and `bench step`: per thread count, one run of a
// companion script with the common flags and a JSON spec of what to time.
import DeepTrustSystem
import TensorCore

/// What the companion runs of one benchmark gathered besides their figures: the torch version and
/// why any run was skipped.
struct TorchColumn {
    /// The `torch` field of the latest run that returned figures (`.null` before one).
    var version: JSONValue = .null
    /// One line per thread count whose run was skipped, for the report's notes.
    var notes: [String] = []

    /// Runs `Tools/python/bench/<script>` with `--threads threads`, `--repeats`, `--clock` and `--spec`
    /// (`spec` as compact JSON); returns its figures, or nil after noting why the column is empty.
    mutating func figures(script: String, threads: Int, spec: JSONValue, options: BenchOptions) -> JSONValue? {
        switch runCompanion(
            script: script,
            arguments: [
                "--threads", String(threads), "--repeats", String(options.repeats),
                "--clock", options.clock.rawValue, "--spec", spec.text(),
            ],
            options: options)
        {
        case .figures(let figures):
            version = figures["torch"] ?? .null
            return figures
        case .skipped(let reason):
            notes.append("PyTorch column skipped at \(threads) thread(s): \(reason)")
            return nil
        }
    }
}

/// Runs `body` once per `--threads` count, in order, with `CPUBackend.threadCount` set to it, and
/// restores the previous setting afterwards.
func forEachThreadCount(_ options: BenchOptions, _ body: (Int) throws -> Void) rethrows {
    let previousThreads = CPUBackend.threadCount
    defer { CPUBackend.threadCount = previousThreads }
    for threads in options.threads {
        CPUBackend.threadCount = threads
        try body(threads)
    }
}
