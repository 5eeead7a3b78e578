// cuda-check: a static, self-contained check of a GPU host (see CheckOptions.usage).
import CUDABackend
@preconcurrency import DeepTrustSystem  // the C library, re-exported; stdout, a C global, for setvbuf
import TensorCore
import TestKit

/// Writes `text` to standard error.
func printError(_ text: String) {
    fflush(nil)
    let line = text + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

/// `value` with `digits` decimals.
func formatted(_ value: Double, _ digits: Int = 2) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    }
    return text
}

// Line-buffered even into a pipe: whatever was printed survives a crash of the process.
setvbuf(stdout, nil, _IOLBF, 0)

let options: CheckOptions
do {
    guard let parsed = try CheckOptions.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(CheckOptions.usage)
        exit(0)
    }
    options = parsed
} catch {
    printError("cuda-check: \(error) (see --help)")
    exit(2)
}

// Listing the cases prepares their inputs: only when asked for.
let caseNames = options.list || options.only != nil ? BackendConformanceCheck.caseNames : []
if options.list {
    for name in caseNames { print(name) }
    exit(0)
}
/// Which comparisons run: all, the one named by --only, or (when no name equals it) those containing it.
let selects: @Sendable (String) -> Bool
if let only = options.only {
    let matches = caseNames.contains(only) ? [only] : caseNames.filter { $0.contains(only) }
    guard !matches.isEmpty else {
        printError("cuda-check: --only '\(only)': no comparison has that name or contains it (see --list)")
        exit(2)
    }
    selects = { matches.contains($0) }
} else {
    selects = { _ in true }
}

/// The --json file: one JSON object per line, each written and flushed as its result is made.
let jsonFile: UnsafeMutablePointer<FILE>?
if let path = options.jsonPath {
    guard let file = fopen(path, "w") else {
        printError("cuda-check: cannot write --json \(path) (errno \(errno))")
        exit(2)
    }
    jsonFile = file
} else {
    jsonFile = nil
}

/// Writes one JSON-lines record (`fields` are already-encoded `"key": value` pairs).
@MainActor func record(_ kind: String, _ fields: [String]) {
    guard let jsonFile else { return }
    fputs("{" + (["\"kind\": \(jsonString(kind))"] + fields).joined(separator: ", ") + "}\n", jsonFile)
    fflush(jsonFile)
}

let probe = CUDABackend.probe()
print("== CUDA on this host")
print(probe)
CUDABackend.register()
let gpu: CUDADeviceBackend
do {
    // The device chosen with --device is checked once, here; every check after runs on it.
    gpu = try BackendRegistry.shared.backend(for: options.device) as! CUDADeviceBackend
} catch {
    printError("cuda-check: --device: \(error)")
    record("host", ["\"unavailable\": \(jsonString("\(error)"))"])
    record("summary", ["\"passed\": false", "\"failures\": 0", "\"cudaError\": false", "\"unavailable\": true"])
    exit(2)
}
let usesCuBLAS = gpu.gemmProvider.hasPrefix("cuBLAS")
print("backend: \(gpu.name); GEMM: \(gpu.gemmProvider)")
if !usesCuBLAS {
    print("cuda-check: WARNING: GEMM falls back to the built-in SGEMM kernel: \(gpu.gemmProvider)")
}
record(
    "host",
    [
        "\"gpu\": \(jsonString(gpu.properties.name))", "\"driver\": \(jsonString(gpu.properties.driverVersionString))",
        "\"gemm\": \(jsonString(gpu.gemmProvider))", "\"cublas\": \(usesCuBLAS)",
    ])

var failures = 0

/// Ends the check after a CUDA error in `label`: the device is unusable. Prints the failed call
/// and the command that reruns the case with synchronous launches. A kernel fault surfaces at the
/// next synchronisation, so it may come from `previous`, the case that ran before.
@MainActor func stopAfterCUDAError(
    _ backend: CUDADeviceBackend, in label: String, case name: String?, previous: String? = nil, kernelGEMM: Bool
) -> Never {
    let error = backend.firstError.map { "\($0)" } ?? "unknown CUDA error"
    print("\ncuda-check: a CUDA error stopped the check in \(label)\(name.map { ", case '\($0)'" } ?? ""): \(error)")
    let environment = kernelGEMM ? "DEEPTRUST_CUDA_GEMM=kernel " : ""
    if let name {
        let gemm = kernelGEMM ? " --kernel-gemm" : ""
        print("cuda-check: rerun it with synchronous launches: gpu-check rerun --out DIR\(gemm) '\(name)'")
        print("cuda-check:   (or: \(environment)CUDA_LAUNCH_BLOCKING=1 cuda-check --only '\(name)')")
        if let previous {
            print(
                "cuda-check: a kernel fault is reported at the next synchronisation: it may come from the case before, "
                    + "'\(previous)' (the rerun runs every case with synchronous launches when this one passes alone)")
        }
    } else {
        print("cuda-check: rerun it with synchronous launches: \(environment)CUDA_LAUNCH_BLOCKING=1 cuda-check --no-conformance")
    }
    record(
        "cuda-error",
        [
            "\"where\": \(jsonString(label))", "\"case\": \(name.map(jsonString) ?? "null")",
            "\"error\": \(jsonString(error))", "\"call\": \(jsonString(backend.firstError?.call ?? ""))",
            "\"code\": \(backend.firstError?.code ?? -1)", "\"previousCase\": \(previous.map(jsonString) ?? "null")",
        ])
    record("summary", ["\"passed\": false", "\"failures\": \(failures + 1)", "\"cudaError\": true"])
    exit(3)
}

if options.conformance {
    var configurations: [(label: String, backend: CUDADeviceBackend, kernelGEMM: Bool)] = [
        ("default GEMM (\(gpu.gemmProvider))", gpu, !usesCuBLAS)
    ]
    if usesCuBLAS, let driver = try? CUDADriverLibrary.load(),
        let kernelOnly = try? CUDADeviceBackend.make(ordinal: gpu.properties.ordinal, driver: driver, blas: nil)
    {
        configurations.append(("built-in SGEMM kernel", kernelOnly, true))
    }
    var lastCaseBefore: String? = nil
    for (label, backend, kernelGEMM) in configurations {
        print("\n== Conformance with the CPU backend: \(label)")
        let outcomes = BackendConformanceCheck.run(on: backend, only: selects) { outcome in
            print(outcome)
            record(
                "conformance",
                [
                    "\"configuration\": \(jsonString(label))", "\"name\": \(jsonString(outcome.name))",
                    "\"maxError\": \(outcome.maxError.isFinite ? "\(outcome.maxError)" : "null")",
                    "\"tolerance\": \(outcome.tolerance)", "\"passed\": \(outcome.passed)",
                    "\"seconds\": \(outcome.seconds)", "\"error\": \(outcome.error.map(jsonString) ?? "null")",
                ])
        }
        let failed = outcomes.filter { !$0.passed }
        failures += failed.count
        print("\(outcomes.count - failed.count)/\(outcomes.count) comparisons within tolerance")
        if backend.firstError != nil || outcomes.contains(where: { $0.error != nil }) {
            failures -= 1  // counted again by stopAfterCUDAError
            let failing = outcomes.lastIndex { $0.error != nil }
            let previous = failing.flatMap { $0 > 0 ? outcomes[$0 - 1].name : lastCaseBefore }
            stopAfterCUDAError(
                backend, in: "conformance (\(label))", case: failing.map { outcomes[$0].name }, previous: previous,
                kernelGEMM: kernelGEMM)
        }
        lastCaseBefore = outcomes.last?.name ?? lastCaseBefore
    }

    if selects("device move") || options.only == nil {
        print("\n== Moving tensors between devices")
        let host = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) * 0.5 - 3 })
        let moved = (try? withTensorChecking { try host.to(options.device).transposed(0, 2).to(.cpu).scalars }) ?? []
        if gpu.firstError != nil { stopAfterCUDAError(gpu, in: "moving tensors between devices", case: nil, kernelGEMM: false) }
        let movedOK = moved == host.transposed(0, 2).scalars && host.device == .cpu
        if !movedOK { failures += 1 }
        print(
            movedOK
                ? "ok   cpu → \(options.device) → cpu keeps values and leaves the source on the CPU"
                : "FAIL cpu → \(options.device) → cpu changed the values")
        record("device-move", ["\"passed\": \(movedOK)"])
    }
}

if options.benchmark {
    print("\n== GPU timings (median of 20, synchronised)")
    print("case".padding(46) + "ms".leftPadding(10) + "GFLOP/s".leftPadding(12))
    for measure in GPUBenchmark(backend: gpu).cases() {
        guard let row = try? withTensorChecking(measure), gpu.firstError == nil else {
            stopAfterCUDAError(gpu, in: "GPU timings", case: nil, kernelGEMM: false)
        }
        print(row.name.padding(46) + formatted(row.milliseconds, 3).leftPadding(10) + formatted(row.gflops, 1).leftPadding(12))
        record(
            "benchmark",
            [
                "\"name\": \(jsonString(row.name))", "\"milliseconds\": \(row.milliseconds)",
                "\"gflops\": \(row.gflops)",
            ])
    }
}

record("summary", ["\"passed\": \(failures == 0)", "\"failures\": \(failures)", "\"cudaError\": false"])
print("\ncuda-check: \(failures == 0 ? "all checks passed" : "\(failures) check(s) FAILED") on \(gpu.properties.name)")
exit(failures == 0 ? 0 : 1)

extension String {
    /// The string padded with spaces on the right to `width` characters.
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    /// The string padded with spaces on the left to `width` characters.
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
