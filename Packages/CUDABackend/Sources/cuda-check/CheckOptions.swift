import DeepTrustSystem
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
        \(spec.flagHelp(column: 20))
        Environment: DEEPTRUST_CUBLAS names the cuBLAS library to load first;
        DEEPTRUST_CUDA_GEMM=kernel never loads cuBLAS.
        """

    /// The flags of `cuda-check`.
    static let spec = CommandLineSpec(flags: [
        CommandLineFlag(
            "--device",
            value: .custom { text in
                guard case .cuda = try? Device(parsing: text) else { return false }
                return true
            }, placeholder: "cuda:N", expected: "cuda or cuda:N", help: "the GPU to check (default cuda:0)"),
        CommandLineFlag(
            "--json", value: .text(nonEmpty: true), placeholder: "FILE", expected: "a file path",
            help: """
                also write the results as JSON lines, one object per result as it
                is made: "host" first, then "conformance", "device-move",
                "benchmark", "cuda-error", and "summary" last
                """),
        CommandLineFlag(
            "--only", value: .text(nonEmpty: true), placeholder: "NAME", expected: "a comparison's name (see --list)",
            help: """
                run only the comparison NAME (or those whose names contain NAME),
                without timings: to rerun a failing case, e.g. under
                CUDA_LAUNCH_BLOCKING=1
                """),
        CommandLineFlag("--list", help: "print the names of the comparisons and exit"),
        CommandLineFlag("--no-benchmark", help: "skip the timings"),
        CommandLineFlag("--no-conformance", help: "skip the comparisons with the CPU"),
    ])

    /// Parses `arguments` (without the program name); `nil` when they ask for the help.
    /// - Throws: ``CommandLineError`` naming the flag and what it accepts.
    static func parse(_ arguments: [String]) throws(CommandLineError) -> CheckOptions? {
        guard case .arguments(let parsed) = try spec.parse(arguments) else { return nil }
        var options = CheckOptions()
        if let text = parsed.value("--device"), let device = try? Device(parsing: text) { options.device = device }
        options.jsonPath = parsed.value("--json")
        options.only = parsed.value("--only")
        options.list = parsed.contains("--list")
        options.benchmark = !parsed.contains("--no-benchmark") && options.only == nil
        options.conformance = !parsed.contains("--no-conformance")
        return options
    }
}
