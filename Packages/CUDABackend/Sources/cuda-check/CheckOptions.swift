import TensorCore

/// Command-line options of `cuda-check`.
struct CheckOptions {
    var device: Device = .cuda(0)
    var jsonPath: String? = nil
    var benchmark = true
    var conformance = true

    static let usage = """
        cuda-check: checks an NVIDIA GPU host for DeepTrust without a Swift toolchain.

        Prints what the driver reports, then compares every primitive of the CUDA backend (through
        cuBLAS when it loads, and through the built-in SGEMM kernel) and the gradients of a small
        network with the CPU backend, checks that tensors move between devices unchanged, and times
        GEMM and convolution on the GPU. Exits 0 when every check passes, 1 when one fails, 2 when
        no GPU can be used (the reason is printed).

        Usage: cuda-check [--device cuda:N] [--json FILE] [--no-benchmark] [--no-conformance]
          --device cuda:N     the GPU to check (default cuda:0)
          --json FILE         also write the results as JSON
          --no-benchmark      skip the timings
          --no-conformance    skip the comparisons with the CPU
        Environment: DEEPTRUST_CUBLAS names the cuBLAS library to load first;
        DEEPTRUST_CUDA_GEMM=kernel never loads cuBLAS.
        """

    /// Parses `arguments` (without the program name).
    /// - Throws: ``CheckOptionsError`` naming the flag and what it accepts.
    static func parse(_ arguments: [String]) throws(CheckOptionsError) -> CheckOptions {
        var options = CheckOptions()
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            switch flag {
            case "--device":
                guard let value = rest.popFirst() else { throw .missingValue("--device") }
                guard let device = try? Device(parsing: value), case .cuda = device else {
                    throw .badValue("--device", value, "cuda or cuda:N")
                }
                options.device = device
            case "--json":
                guard let value = rest.popFirst() else { throw .missingValue("--json") }
                options.jsonPath = value
            case "--no-benchmark": options.benchmark = false
            case "--no-conformance": options.conformance = false
            case "-h", "--help": throw .helpRequested
            default: throw .unknownFlag(flag)
            }
        }
        return options
    }
}

/// A command line `cuda-check` cannot run with.
enum CheckOptionsError: Error, CustomStringConvertible {
    case missingValue(String)
    case badValue(String, String, String)
    case unknownFlag(String)
    case helpRequested

    var description: String {
        switch self {
        case .missingValue(let flag): return "\(flag) needs a value"
        case .badValue(let flag, let value, let allowed): return "\(flag) '\(value)': expected \(allowed)"
        case .unknownFlag(let flag): return "unknown option '\(flag)' (see --help)"
        case .helpRequested: return CheckOptions.usage
        }
    }
}
