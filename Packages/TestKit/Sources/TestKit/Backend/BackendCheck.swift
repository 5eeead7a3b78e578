import TensorCore

/// The conformance of a ``Backend`` to a reference backend, one check per family of primitives:
/// every case of ``BackendConformanceCheck`` runs on both with the same inputs and must agree
/// within its tolerance (exactly, for random numbers and Adam steps).
///
/// `dlcheck` reports it like every other suite for each device it runs on; `cuda-check` runs the
/// same cases one by one on GPU hosts.
///
/// ```swift
/// @Test(arguments: BackendCheck.allCases)
/// func myBackend(_ check: BackendCheck) throws {
///     try check.verify(on: BackendSubject(backend: MyBackend()))
/// }
/// ```
public enum BackendCheck: String, Check {
    /// `fill` and strided `copy`.
    case memory
    /// Every unary and binary operation (with broadcasting) and `select`.
    case elementwise
    /// Sum, max, min, argmax and argmin over an axis.
    case reductions
    /// Batched, transposed and offset matrix products, the VAE's layer shapes among them.
    case matrixProducts
    /// Convolution forward and both backward passes, the CNN-VAE's shapes among them.
    case convolutions
    /// Philox uniform numbers (identical) and normals.
    case randomNumbers
    /// Fused Adam steps with L2 and decoupled weight decay (identical).
    case optimizerSteps
    /// Gradients through conv2d → relu → matmul → tanh → sum, computed by autodiff on each backend.
    case gradients

    public var name: String { "backend.\(rawValue)" }

    /// Whether the conformance case named `caseName` (one of ``BackendConformanceCheck/caseNames``)
    /// belongs to this family.
    public func owns(_ caseName: String) -> Bool {
        let prefixes: [String]
        switch self {
        case .memory: prefixes = ["fill"]
        case .elementwise: prefixes = ["unary ", "binary ", "select"]
        case .reductions: prefixes = ["reduce "]
        case .matrixProducts: prefixes = ["gemm "]
        case .convolutions: prefixes = ["conv2d "]
        case .randomNumbers: prefixes = ["random "]
        case .optimizerSteps: prefixes = ["adam "]
        case .gradients: prefixes = ["gradients "]
        }
        return prefixes.contains { caseName.hasPrefix($0) }
    }

    public func evaluate(on subject: BackendSubject) throws -> CheckResult {
        let outcomes = BackendConformanceCheck.run(on: subject.backend, against: subject.reference, only: owns)
        guard !outcomes.isEmpty else { return .skipped("no conformance case belongs to \(name)") }
        let failures = outcomes.filter { !$0.passed }.map { outcome in
            CheckFailure(
                outcome.error.map { "\(outcome.name): \($0)" }
                    ?? "\(outcome.name): \(subject.backend.name) disagrees with \(subject.reference.name)",
                at: CheckLocation(device: subject.backend.device),
                deviation: outcome.error == nil
                    ? Deviation(
                        "max relative error", observed: Double(outcome.maxError), limit: Double(outcome.tolerance))
                    : nil)
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        let worst = outcomes.max {
            $0.maxError / max($0.tolerance, .leastNormalMagnitude) < $1.maxError / max($1.tolerance, .leastNormalMagnitude)
        }!
        return .passed(
            "\(outcomes.count) cases agree with \(subject.reference.name); worst \(worst.name): "
                + "\(worst.maxError) (tolerance \(worst.tolerance))")
    }
}
