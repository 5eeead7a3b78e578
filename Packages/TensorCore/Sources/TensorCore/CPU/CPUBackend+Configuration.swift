import CTensorKernels

/// An instruction-set path of the CPU kernels, from the slowest (``portable``) up.
public enum CPUInstructionSet: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Plain C, any CPU.
    case portable
    /// x86-64 AVX2 with fused multiply-add (256-bit vectors).
    case avx2FMA = "avx2+fma"
    /// x86-64 AVX-512 F/BW/VL/DQ (512-bit vectors).
    case avx512F = "avx512f"
    /// arm64 NEON (128-bit vectors).
    case neon

    public var description: String { rawValue }

    init(_ isa: dt_isa) {
        switch isa {
        case DT_ISA_AVX2_FMA: self = .avx2FMA
        case DT_ISA_AVX512F: self = .avx512F
        case DT_ISA_NEON: self = .neon
        default: self = .portable
        }
    }

    var cValue: dt_isa {
        switch self {
        case .portable: DT_ISA_PORTABLE
        case .avx2FMA: DT_ISA_AVX2_FMA
        case .avx512F: DT_ISA_AVX512F
        case .neon: DT_ISA_NEON
        }
    }

    /// Whether this CPU can run the path.
    public var isSupported: Bool { dt_isa_supported(cValue) != 0 }
}

/// Process-wide settings of the CPU kernels: thread count and instruction-set path.
///
/// Defaults: as many threads as the process may run on (or the environment variable
/// `DEEPTRUST_NUM_THREADS`), and the best path the CPU supports (or `DEEPTRUST_ISA` =
/// `portable`, `avx2` or `avx512`).
extension CPUBackend {
    /// Number of threads the CPU kernels split work over (at least 1, at most 256).
    /// Setting it affects every later kernel call of the process, except on threads inside
    /// ``withKernelSettings(instructionSet:threads:_:)``.
    public static var threadCount: Int {
        get { Int(dt_thread_count()) }
        set { dt_set_thread_count(Int32(clamping: newValue)) }
    }

    /// The best instruction-set path this CPU supports.
    public static var detectedInstructionSet: CPUInstructionSet { CPUInstructionSet(dt_detected_isa()) }

    /// The path kernels started on the calling thread take now.
    public static var activeInstructionSet: CPUInstructionSet { CPUInstructionSet(dt_active_isa()) }

    /// Every path this CPU can run, slowest first (always includes ``CPUInstructionSet/portable``).
    public static var supportedInstructionSets: [CPUInstructionSet] {
        CPUInstructionSet.allCases.filter(\.isSupported)
    }

    /// Makes the whole process use `instructionSet`, or the best supported path below it when the
    /// CPU lacks it (a path of another architecture falls back to portable).
    /// - Returns: the path now active.
    @discardableResult
    public static func forceInstructionSet(_ instructionSet: CPUInstructionSet) -> CPUInstructionSet {
        CPUInstructionSet(dt_force_isa(instructionSet.cValue))
    }

    /// Runs `body` with kernels started on the calling thread pinned to `instructionSet` (clamped
    /// like ``forceInstructionSet(_:)``) and `threads` threads; `nil` keeps the process setting.
    /// Other threads are unaffected, so concurrent tests can pin different paths. `body` must
    /// not suspend: the settings belong to the thread, not to a task.
    public static func withKernelSettings<Result>(
        instructionSet: CPUInstructionSet? = nil, threads: Int? = nil,
        _ body: () throws -> Result
    ) rethrows -> Result {
        let previousISA = instructionSet.map { dt_exchange_thread_isa_override(Int32($0.cValue.rawValue)) }
        let previousThreads = threads.map { dt_exchange_thread_count_override(Int32(clamping: max(1, $0))) }
        defer {
            if let previousISA { _ = dt_exchange_thread_isa_override(previousISA) }
            if let previousThreads { _ = dt_exchange_thread_count_override(previousThreads) }
        }
        return try body()
    }
}
