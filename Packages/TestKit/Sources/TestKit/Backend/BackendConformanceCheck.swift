import TensorCore

/// Runs every primitive of the ``Backend`` protocol, plus gradients through a small network, on a
/// backend under test and on a reference backend (the CPU by default) with the same inputs, and
/// reports how far apart the results are.
///
/// Used by ``BackendCheck`` (grouped into checks by family), by `cuda-check` on GPU hosts and by
/// the GPU tests; any two backends can be compared.
///
/// ```swift
/// let outcomes = BackendConformanceCheck.run(on: try BackendRegistry.shared.backend(for: .cuda(0)))
/// print(outcomes.allSatisfy(\.passed))
/// ```
public enum BackendConformanceCheck {
    /// The result of one comparison.
    public struct Outcome: Sendable, CustomStringConvertible {
        /// What was compared, e.g. `"gemm 128×512×1024 Bᵀ"`.
        public var name: String
        /// Largest `|test − reference| / max(1, |reference|)` over the outputs.
        public var maxError: Float
        /// The largest error accepted.
        public var tolerance: Float
        /// Wall time of the backend under test, in seconds (including uploads and downloads).
        public var seconds: Double
        /// The error the backend under test raised in this case (for a CUDA backend, the failed
        /// driver call and its status), or `nil`. After such an error the check stops: the device
        /// is unusable.
        public var error: String?

        /// An outcome of case `name`; `error` is what stopped the case, if anything.
        public init(name: String, maxError: Float, tolerance: Float, seconds: Double, error: String? = nil) {
            self.name = name
            self.maxError = maxError
            self.tolerance = tolerance
            self.seconds = seconds
            self.error = error
        }

        /// Whether the case ran without error and within the tolerance.
        public var passed: Bool { error == nil && maxError <= tolerance }

        public var description: String {
            if let error { return "FAIL \(name): \(error)" }
            return "\(passed ? "ok  " : "FAIL") \(name): max relative error \(maxError) (tolerance \(tolerance))"
        }
    }

    /// Compares `backend` with `reference` on every case whose name `only` accepts (all by
    /// default); `progress` sees each outcome as it is made. A case in which the backend under
    /// test raises an error (see ``Outcome/error``) ends the run.
    public static func run(
        on backend: any Backend, against reference: any Backend = CPUBackend.shared,
        only: @escaping (String) -> Bool = { _ in true },
        progress: @escaping (Outcome) -> Void = { _ in }
    ) -> [Outcome] {
        let runner = Runner(test: backend, reference: reference, selects: only, progress: progress)
        runner.runAll()
        return runner.outcomes
    }

    /// The names of every case, in the order ``run(on:against:only:progress:)`` runs them
    /// (nothing is computed).
    public static var caseNames: [String] {
        let runner = Runner(test: CPUBackend.shared, reference: CPUBackend.shared, listsOnly: true, progress: { _ in })
        runner.runAll()
        return runner.names
    }

    // MARK: - Cases (shared with the tests)

    static let unaryOps: [UnaryOp] = [
        .neg, .exp, .log, .sqrt, .abs, .relu, .tanh, .sigmoid, .softplus, .sign,
        .addScalar(0.5), .mulScalar(-3), .reciprocalScaled(2), .powScalar(3),
        .powScalar(2), .powScalar(0.5), .clamp(low: -0.5, high: 0.75), .greaterThanScalar(0.25),
    ]

    static let binaryOps: [BinaryOp] = [
        .add, .sub, .mul, .div, .pow, .maximum, .minimum, .equal, .notEqual, .less,
        .lessEqual, .greater, .greaterEqual,
    ]

    static let reduceOps: [ReduceOp] = [.sum, .max, .min, .argmax, .argmin]

    /// Odd shapes, transposes, offsets, batches, and the VAE's layer shapes at batch 128.
    static let gemmCases: [GemmDescriptor] = [
        GemmDescriptor(m: 7, n: 5, k: 3),
        GemmDescriptor(m: 70, n: 65, k: 33, transposeA: true),
        GemmDescriptor(m: 33, n: 66, k: 17, transposeB: true, alpha: 0.5, beta: 2),
        GemmDescriptor(m: 9, n: 4, k: 70, transposeA: true, transposeB: true, beta: 1),
        GemmDescriptor(
            m: 5, n: 6, k: 7, offsetA: 3, offsetB: 1, offsetC: 2, batch: 3,
            batchStrideA: 0, batchStrideB: 45, batchStrideC: 31),
        GemmDescriptor(m: 4, n: 3, k: 0, beta: 0.5),
        GemmDescriptor(m: 128, n: 512, k: 1024, transposeB: true),
        GemmDescriptor(m: 1024, n: 512, k: 128, transposeA: true),
        GemmDescriptor(m: 128, n: 1024, k: 512),
        GemmDescriptor(m: 257, n: 129, k: 1000, transposeA: true, transposeB: true, alpha: 0.5, beta: 1),
        GemmDescriptor(m: 16, n: 1024, k: 25, batch: 64, batchStrideA: 0, batchStrideB: 25 * 1024, batchStrideC: 16 * 1024),
    ]

    /// Odd geometries and the CNN-VAE's convolutions (batch 8).
    static let convCases: [ConvGeometry] = [
        ConvGeometry(batch: 2, inChannels: 3, height: 7, width: 6, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1),
        ConvGeometry(
            batch: 3, inChannels: 2, height: 8, width: 9, outChannels: 5, kernelH: 3, kernelW: 2,
            strideH: 2, strideW: 3, padH: 1, padW: 0, dilationH: 1, dilationW: 2),
        ConvGeometry(batch: 2, inChannels: 4, height: 5, width: 5, outChannels: 3, kernelH: 1, kernelW: 1),
        ConvGeometry(batch: 1, inChannels: 1, height: 6, width: 6, outChannels: 2, kernelH: 5, kernelW: 5, padH: 2, padW: 2),
        ConvGeometry(batch: 8, inChannels: 1, height: 32, width: 32, outChannels: 16, kernelH: 5, kernelW: 5, padH: 2, padW: 2),
        ConvGeometry(
            batch: 8, inChannels: 16, height: 32, width: 32, outChannels: 32, kernelH: 3, kernelW: 3,
            strideH: 2, strideW: 2, padH: 1, padW: 1),
        ConvGeometry(
            batch: 8, inChannels: 32, height: 16, width: 16, outChannels: 64, kernelH: 3, kernelW: 3,
            strideH: 2, strideW: 2, padH: 1, padW: 1),
        ConvGeometry(batch: 8, inChannels: 16, height: 32, width: 32, outChannels: 1, kernelH: 5, kernelW: 5, padH: 2, padW: 2),
    ]

    /// Inputs of a GEMM case, sized to cover every element the descriptor reads.
    static func gemmInputs(_ d: GemmDescriptor) -> (a: [Float], b: [Float], c: [Float]) {
        var values = DeterministicValues(seed: UInt64(d.m * 1000 + d.n))
        let aCount = d.offsetA + (d.batch - 1) * d.batchStrideA + (d.transposeA ? d.k * d.lda : d.m * d.lda)
        let bCount = d.offsetB + (d.batch - 1) * d.batchStrideB + (d.transposeB ? d.n * d.ldb : d.k * d.ldb)
        let cCount = d.offsetC + (d.batch - 1) * d.batchStrideC + d.m * d.ldc
        return (values.array(aCount), values.array(bCount), values.array(cCount))
    }

    static func describe(_ d: GemmDescriptor) -> String {
        "gemm \(d.m)×\(d.n)×\(d.k)\(d.transposeA ? " Aᵀ" : "")\(d.transposeB ? " Bᵀ" : "")"
            + (d.batch > 1 ? " batch \(d.batch)" : "") + (d.alpha != 1 || d.beta != 0 ? " α=\(d.alpha) β=\(d.beta)" : "")
    }

    static func describe(_ g: ConvGeometry) -> String {
        "conv2d \(g.batch)×\(g.inChannels)×\(g.height)×\(g.width) → \(g.outChannels), k\(g.kernelH)×\(g.kernelW) "
            + "s\(g.strideH),\(g.strideW) p\(g.padH),\(g.padW) d\(g.dilationH),\(g.dilationW) (fwd, bwd input, bwd weight)"
    }
}
