import TensorCore

/// Command-line options of `cuda-check`.
struct CheckOptions {
    var device: Device = .cuda(0)
    var jsonPath: String? = nil
    var benchmark = true
    var conformance = true
    /// Only the conformance cases with this name (or, when none has it, containing it).
    var only: String? = nil
    var list = false

    static let usage = """
        cuda-check: checks an NVIDIA GPU host for DeepTrust without a Swift toolchain.

        Prints what the driver reports, then compares every primitive of the CUDA backend (through
        cuBLAS when it loads, and through the built-in SGEMM kernel) and the gradients of a small
        network with the CPU backend, checks that tensors move between devices unchanged, and times
        GEMM and convolution on the GPU. Every result is printed (line-buffered) and written as
        it is made. Exits 0 when every check passes, 1 when one fails, 2 when no GPU can be used
        (the reason is printed) or the command line is wrong, 3 when a CUDA error stopped the
        check (the call, its CUresult and the command to rerun the case are printed).

        Usage: cuda-check [--device cuda:N] [--json FILE] [--only NAME] [--list]
                          [--no-benchmark] [--no-conformance]
          --device cuda:N     the GPU to check (default cuda:0)
          --json FILE         also write the results as JSON lines, one object per result as it
                              is made: "host" first, then "conformance", "device-move",
                              "benchmark", "cuda-error", and "summary" last
          --only NAME         run only the comparison NAME (or those whose names contain NAME),
                              without timings: to rerun a failing case, e.g. under
                              CUDA_LAUNCH_BLOCKING=1
          --list              print the names of the comparisons and exit
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
            case "--only":
                guard let value = rest.popFirst(), !value.isEmpty else { throw .missingValue("--only") }
                options.only = value
                options.benchmark = false
            case "--list": options.list = true
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
