// cuda-check: a static, self-contained check of a GPU host (see CheckOptions.usage).
import CUDABackend
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// `text` as a JSON string literal: `"` and `\` escaped, control characters as `\n`, `\r`, `\t`
/// or `\u00XX` (a driver message may hold any of them). Written out rather than taken from
/// JSONEncoder so that cuda-check links no Foundation module.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

let options: CheckOptions
do {
    options = try CheckOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch .helpRequested {
    print(CheckOptions.usage)
    exit(0)
} catch {
    printError("cuda-check: \(error)")
    exit(2)
}

let probe = CUDABackend.probe()
print("== CUDA on this host")
print(probe)
CUDABackend.register()
let gpu: CUDADeviceBackend
do {
    gpu = try BackendRegistry.shared.backend(for: options.device) as! CUDADeviceBackend
} catch {
    printError("cuda-check: \(error)")
    exit(2)
}
print("backend: \(gpu.name); GEMM: \(gpu.gemmProvider)")

var json: [String] = []
var failures = 0

if options.conformance {
    var configurations: [(String, CUDADeviceBackend)] = [("default GEMM (\(gpu.gemmProvider))", gpu)]
    if gpu.gemmProvider.hasPrefix("cuBLAS"), let driver = try? CUDADriverLibrary.load(),
        let kernelOnly = try? CUDADeviceBackend.make(ordinal: gpu.properties.ordinal, driver: driver, blas: nil)
    {
        configurations.append(("built-in SGEMM kernel", kernelOnly))
    }
    for (label, backend) in configurations {
        print("\n== Conformance with the CPU backend: \(label)")
        let outcomes = BackendConformanceCheck.run(on: backend) { outcome in
            if !outcome.passed { print(outcome) }
        }
        let failed = outcomes.filter { !$0.passed }
        failures += failed.count
        print("\(outcomes.count - failed.count)/\(outcomes.count) comparisons within tolerance")
        json += outcomes.map { outcome in
            "{\"kind\": \"conformance\", \"configuration\": \(jsonString(label)), \"name\": \(jsonString(outcome.name)), "
                + "\"maxError\": \(outcome.maxError), \"tolerance\": \(outcome.tolerance), \"passed\": \(outcome.passed), "
                + "\"seconds\": \(outcome.seconds)}"
        }
    }

    print("\n== Moving tensors between devices")
    let host = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) * 0.5 - 3 })
    let moved = (try? host.to(options.device).transposed(0, 2).to(.cpu).scalars) ?? []
    let movedOK = moved == host.transposed(0, 2).scalars && host.device == .cpu
    if !movedOK { failures += 1 }
    print(
        movedOK
            ? "ok   cpu → \(options.device) → cpu keeps values and leaves the source on the CPU"
            : "FAIL cpu → \(options.device) → cpu changed the values")
    json.append("{\"kind\": \"device-move\", \"passed\": \(movedOK)}")
}

if options.benchmark {
    print("\n== GPU timings (median of 20, synchronised)")
    print("case".padding(46) + "ms".leftPadding(10) + "GFLOP/s".leftPadding(12))
    for row in GPUBenchmark(backend: gpu).run() {
        print(row.name.padding(46) + formatted(row.milliseconds, 3).leftPadding(10) + formatted(row.gflops, 1).leftPadding(12))
        json.append(
            "{\"kind\": \"benchmark\", \"name\": \(jsonString(row.name)), \"milliseconds\": \(row.milliseconds), "
                + "\"gflops\": \(row.gflops)}")
    }
}

if let path = options.jsonPath {
    let header =
        "{\"gpu\": \(jsonString(gpu.properties.name)), \"driver\": \(jsonString(gpu.properties.driverVersionString)), "
        + "\"gemm\": \(jsonString(gpu.gemmProvider)), \"results\": [\n  "
    let text = header + json.joined(separator: ",\n  ") + "\n]}\n"
    guard let file = fopen(path, "w") else {
        printError("cuda-check: cannot write --json \(path)")
        exit(1)
    }
    fputs(text, file)
    fclose(file)
}

print("\ncuda-check: \(failures == 0 ? "all checks passed" : "\(failures) check(s) FAILED") on \(gpu.properties.name)")
exit(failures == 0 ? 0 : 1)

extension String {
    /// The string padded with spaces on the right to `width` characters.
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    /// The string padded with spaces on the left to `width` characters.
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
