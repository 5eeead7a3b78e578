// `dev sanitize`: the concurrency and memory-safety tests under the sanitizers (debug builds).

import DeepTrustSystem
import Foundation

/// The help of `dev sanitize`.
private let help = """
    Runs the concurrency and memory-safety tests under the sanitizers (debug builds):
      thread   ThreadSanitizer on TensorCore: the DataLoader (worker threads, abandoned iterations),
               the worker pool, the parallel CPU kernels run with 2 threads, and the in-process
               process group (ranks as threads) with the distributed sampler
      address  AddressSanitizer on the parsers and kernels: safetensors and the CPU kernels and ops
               (TensorCore), the IDX reader (MNISTData), event files, PNG and checkpoints (Training)

    Usage: Tools/dev/run sanitize [thread|address|all] [--jobs N] [--full]
      thread|address|all  which sanitizer(s) (default all)
    \(spec.flagHelp(column: 20))
    Builds and logs go to Packages/<name>/.build-sanitize-thread|address (git-ignored; later runs
    are incremental; the full output is sanitize.log there). Prints a summary line per run; exits
    non-zero when a sanitizer reports anything or a test fails. Nothing is suppressed. Note for tests:
    Synchronization.Mutex takes a contended lock in the kernel (futex) on Linux, which ThreadSanitizer
    cannot see; state that pool or loader threads update in tests goes behind a pthread lock
    (TensorCoreTests' PosixLocked), or ThreadSanitizer reports its accesses as races.
    """

private let spec = CommandLineSpec(
    flags: [
        CommandLineFlag("--jobs", value: .integer(1...Int.max), placeholder: "N", help: "build jobs (default: number of cores)"),
        CommandLineFlag("--full", help: "every test of the packages concerned, not just the filtered ones"),
    ],
    positional: CommandLinePositional(
        name: "the sanitizer", placeholder: "thread|address|all", value: .choice(["thread", "address", "all"]), help: ""))

/// The tests each sanitizer runs, per package (swift test --filter regular expressions).
private let threadFilters = [
    (
        "TensorCore",
        "DataLoader|Subset|RuntimeTests|KernelTests|OpsConvolution|OpsMatmul|MemoryCache|ProcessGroupTests|DistributedSamplerTests"
    )
]
private let addressFilters = [
    ("TensorCore", "SafeTensors|KernelTests|Ops|Anomaly|Autograd|GradientCheck|Philox|Random"),
    ("MNISTData", "IDX|MNISTDataset|Transform|SHA256"),
    ("Training", "EventFile|CRC32C|PNG|ImageGrid|Checkpoint|Resume|RecordingWriter"),
]

/// `dev sanitize [thread|address|all] [--jobs N] [--full]`.
func sanitize(_ arguments: [String]) -> Int32 {
    let parsed = parseCommandLine(arguments, spec, name: "sanitize", help: help)
    _ = FileManager.default.changeCurrentDirectoryPath(repositoryRoot)
    let which = parsed.positional ?? "all"
    let jobs = parsed.integer("--jobs") ?? coreCount
    let full = parsed.contains("--full")
    let environment = [
        // Swift's backtracer would symbolicate each report for a long time; the sanitizers report enough.
        "SWIFT_BACKTRACE": "enable=no",
        "TSAN_OPTIONS": "halt_on_error=0:second_deadlock_stack=1",
        // Leak checking is off: the Swift runtime's caches and the worker pool's never-exiting threads
        // hold memory until exit on purpose. Use-after-free, overflows and double frees are reported.
        // An allocation too large to satisfy returns NULL, as glibc's does (ASan would stop the process):
        // the tests of allocation failure (OpsOutOfMemoryTests) need the allocator to fail that way.
        "ASAN_OPTIONS":
            "detect_leaks=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:allocator_may_return_null=1",
    ]
    var summary: [String] = []
    var failed = false

    func runSanitizer(_ sanitizer: String, _ package: String, _ filter: String) {
        let scratch = "Packages/\(package)/.build-sanitize-\(sanitizer)"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let logPath = "\(scratch)/sanitize.log"
        let log = logFile(logPath)
        defer { try? log.close() }
        let filter = full ? "" : filter
        print("==> \(sanitizer) sanitizer: \(package)\(filter.isEmpty ? "" : " (tests matching \(filter))")")
        let start = Date()
        var rc = run(
            [
                "swift", "build", "--package-path", "Packages/\(package)", "--scratch-path", scratch, "--build-tests",
                "--sanitize=\(sanitizer)", "-j", String(jobs),
            ], output: log, errors: log, environment: environment)
        let built = Int(Date().timeIntervalSince(start))
        if rc == 0 {
            rc = run(
                [
                    "swift", "test", "--package-path", "Packages/\(package)", "--scratch-path", scratch, "--skip-build",
                    "--sanitize=\(sanitizer)",
                ] + (filter.isEmpty ? [] : ["--filter", filter]), output: log, errors: log, environment: environment)
        }
        let text = contents(logPath)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let reports = lines.filter {
            $0.hasPrefix("WARNING: ThreadSanitizer") || !matches(#"^==[0-9]+==ERROR: AddressSanitizer"#, in: $0).isEmpty
        }.count
        let tests = matches(#"Test run with ([0-9]+) tests?"#, in: text).first?[1] ?? "0"
        let total = Int(Date().timeIntervalSince(start))
        if rc != 0 || reports > 0 {
            failed = true
            // grep -E -A 30 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|error:|✘' | head -n 120
            var shown: [String] = []
            var index = 0
            while index < lines.count && shown.count < 120 {
                let line = lines[index]
                if line.hasPrefix("WARNING: ThreadSanitizer") || line.contains("ERROR: AddressSanitizer")
                    || line.contains("error:")
                    || line.contains("✘")
                {
                    shown += lines[index..<min(lines.count, index + 31)]
                    index += 31
                } else {
                    index += 1
                }
            }
            print(shown.prefix(120).joined(separator: "\n"))
            summary.append(
                "FAIL  \(sanitizer) \(package): exit \(rc), \(reports) sanitizer report(s) (build \(built) s, total \(total) s; log \(logPath))"
            )
        } else {
            summary.append("ok    \(sanitizer) \(package): \(tests) tests clean (build \(built) s, total \(total) s)")
        }
    }

    if which == "thread" || which == "all" {
        for (package, filter) in threadFilters { runSanitizer("thread", package, filter) }
    }
    if which == "address" || which == "all" {
        for (package, filter) in addressFilters { runSanitizer("address", package, filter) }
    }
    print()
    print("sanitize summary:")
    for line in summary { print("  " + line) }
    return failed ? 1 : 0
}
