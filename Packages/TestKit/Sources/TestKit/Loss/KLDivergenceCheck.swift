import DeepTrustSystem
import TensorCore

/// Checks of a KL-divergence term against references (see ``KLDivergenceSubject``).
public enum KLDivergenceCheck: String, Check {
    /// The term equals the closed form `0.5·Σ(σ² + mu² − 1 − 2·log σ)` on known values: a batch of
    /// three samples of four dimensions (zeros, positive and negative values, `log σ = log 2`).
    /// A mismatch names the likely mistake when the value matches a common wrong variant (sign of
    /// the log term flipped, mean instead of sum over the batch, missing ½, `σ` in place of `σ²`).
    case closedForm
    /// The term lies within a tolerance of a sampling estimate: a histogram of samples of
    /// `N(mu, σ²)` against the standard normal's bin probabilities (see ``KLHistogramSettings``).
    case histogramEstimate

    /// KL-divergence checks run on a ``KLDivergenceSubject``.
    public typealias Subject = KLDivergenceSubject

    public var name: String { "kl.\(rawValue)" }

    public func evaluate(on subject: KLDivergenceSubject) throws -> CheckResult {
        switch self {
        case .closedForm: return try checkClosedForm(subject)
        case .histogramEstimate: return try checkHistogram(subject)
        }
    }

    // MARK: - Closed form

    private func checkClosedForm(_ subject: KLDivergenceSubject) throws(CheckFailure) -> CheckResult {
        let mu: [[Double]] = [[0, 0, 0, 0], [1, -1, 0.5, 2], [0.25, -0.3, 0, 1.5]]
        let logSigma: [[Double]] = [[0, 0, 0, 0], [0, 0.5, -0.5, log(2.0)], [-1, 0.2, 0.7, 0]]
        let shape = [mu.count, mu[0].count]
        let actual = try evaluateTerm(subject, mu: mu, logSigma: logSigma, shape: shape)
        let expected = KLVariant.correct.value(mu: mu, logSigma: logSigma, reduction: subject.batchReduction)
        let limit = 1e-5 + subject.closedFormTolerance * abs(expected)
        guard abs(actual - expected) <= limit else {
            let suspects = KLVariant.mistakes.filter { variant in
                let v = variant.value(mu: mu, logSigma: logSigma, reduction: subject.batchReduction)
                return abs(actual - v) <= 1e-5 + subject.closedFormTolerance * abs(v)
            }
            let hint =
                suspects.isEmpty ? "" : "; it matches the closed form with \(suspects.map(\.mistake).joined(separator: " or "))"
            throw CheckFailure(
                "KL of known values is \(actual) but the closed form 0.5·Σ(σ² + mu² − 1 − 2·log σ) "
                    + "(\(subject.batchReduction.rawValue) over the batch) is \(expected)\(hint)",
                at: CheckLocation(shape: shape),
                deviation: Deviation("|KL − closed form|", observed: abs(actual - expected), limit: limit))
        }
        return .passed("KL of a [3, 4] batch of known values = \(actual), closed form \(expected)")
    }

    // MARK: - Histogram estimate

    private func checkHistogram(_ subject: KLDivergenceSubject) throws(CheckFailure) -> CheckResult {
        let settings = subject.histogram
        guard settings.dimensions > 0, settings.samples > 0, settings.bins > 0,
            settings.range.upperBound > settings.range.lowerBound
        else { throw CheckFailure("invalid histogram settings \(settings)") }
        let generator = RandomGenerator(seed: subject.seed)
        let muDraws = Tensor.randn([settings.dimensions], generator: generator).scalars
        let sigmaDraws = Tensor.randn([settings.dimensions], generator: generator).scalars
        let mu = muDraws.map { Double($0) * settings.muScale }
        let sigma = sigmaDraws.map { Double($0) * settings.sigmaSpread + 1 }
        let z = Tensor.randn([settings.samples, settings.dimensions], generator: generator).scalars

        let estimate = Self.histogramKL(z: z, mu: mu, sigma: sigma, settings: settings)
        let actual = try evaluateTerm(
            subject, mu: [mu], logSigma: [sigma.map { log($0) }],
            shape: [1, settings.dimensions])
        guard abs(actual - estimate) <= settings.tolerance else {
            throw CheckFailure(
                "KL of \(settings.dimensions) dimensions is \(actual) but the histogram estimate from "
                    + "\(settings.samples) samples (\(settings.bins) bins on \(settings.range)) is \(estimate)",
                at: CheckLocation(shape: [1, settings.dimensions], detail: "seed \(subject.seed)"),
                deviation: Deviation("|KL − estimate|", observed: abs(actual - estimate), limit: settings.tolerance))
        }
        return .passed(
            "KL \(actual) versus histogram estimate \(estimate) (|Δ| \(abs(actual - estimate)) ≤ \(settings.tolerance))")
    }

    /// `Σ_d [Σ_k p̂_dk log(p̂_dk / q_k) − (m_d − 1) / 2n_d]`: p̂ the normalised histogram of
    /// `mu_d + sigma_d·z` over the n_d samples inside the range (m_d bins occupied), q the
    /// standard normal's normalised bin probabilities (see ``KLHistogramSettings``).
    static func histogramKL(z: [Float], mu: [Double], sigma: [Double], settings: KLHistogramSettings) -> Double {
        let dims = mu.count
        let low = settings.range.lowerBound, high = settings.range.upperBound
        let width = (high - low) / Double(settings.bins)
        var q = (0..<settings.bins).map { k in
            normalCDF(low + Double(k + 1) * width) - normalCDF(low + Double(k) * width)
        }
        let qTotal = q.reduce(0, +)
        q = q.map { $0 / qTotal }
        var total = 0.0
        var counts = [Int](repeating: 0, count: settings.bins)
        for d in 0..<dims {
            for k in counts.indices { counts[k] = 0 }
            var inside = 0
            let (m, s, last, scale) = (mu[d], sigma[d], settings.bins - 1, 1 / width)
            z.withUnsafeBufferPointer { samples in
                counts.withUnsafeMutableBufferPointer { bins in
                    var i = d
                    while i < samples.count {
                        let x = m + s * Double(samples[i])
                        i += dims
                        if x >= low && x <= high {
                            let k = Int((x - low) * scale)
                            bins[k > last ? last : k] += 1
                            inside += 1
                        }
                    }
                }
            }
            guard inside > 0 else { continue }
            var occupied = 0
            for (k, count) in counts.enumerated() where count > 0 {
                let p = Double(count) / Double(inside)
                total += p * log(p / q[k])
                occupied += 1
            }
            total -= Double(occupied - 1) / Double(2 * inside)  // Miller–Madow bias correction
        }
        return total
    }

    private static func normalCDF(_ x: Double) -> Double { 0.5 * (1 + erf(x / 2.0.squareRoot())) }

    // MARK: - Running the term

    /// Calls the subject's term on the given values and returns its single value.
    private func evaluateTerm(
        _ subject: KLDivergenceSubject, mu: [[Double]], logSigma: [[Double]],
        shape: [Int]
    ) throws(CheckFailure) -> Double {
        let muTensor = Tensor(shape: shape, scalars: mu.flatMap { $0.map(Float.init) })
        let logSigmaTensor = Tensor(shape: shape, scalars: logSigma.flatMap { $0.map(Float.init) })
        let result = try stage("KL term on mu and logSigma of shape \(shape)") {
            try subject.divergence(muTensor, logSigmaTensor)
        }
        guard result.count == 1 else {
            throw CheckFailure(
                "the KL term returned shape \(result.shape); expected one element (reduced over the batch)",
                at: CheckLocation(shape: result.shape))
        }
        let value = Double(result.scalars[0])
        guard value.isFinite else {
            throw CheckFailure("the KL term is \(value) for finite mu and logSigma", at: CheckLocation(shape: shape))
        }
        return value
    }
}

/// The closed form and common wrong versions of it, used to name a mistake.
private enum KLVariant: CaseIterable {
    case correct, logTermSignFlipped, reducedTheOtherWay, missingHalf, sigmaInsteadOfVariance

    static var mistakes: [KLVariant] { allCases.filter { $0 != .correct } }

    var mistake: String {
        switch self {
        case .correct: return "no mistake"
        case .logTermSignFlipped: return "the sign of the log σ term flipped (+2·log σ)"
        case .reducedTheOtherWay: return "the other batch reduction (sum versus mean)"
        case .missingHalf: return "the factor ½ missing"
        case .sigmaInsteadOfVariance: return "exp(log σ) in place of exp(2·log σ)"
        }
    }

    func value(mu: [[Double]], logSigma: [[Double]], reduction: KLDivergenceSubject.BatchReduction) -> Double {
        var perSample: [Double] = []
        for (m, s) in zip(mu, logSigma) {
            var sum = 0.0
            for (mi, si) in zip(m, s) {
                switch self {
                case .correct, .reducedTheOtherWay: sum += 0.5 * (exp(2 * si) + mi * mi - 1 - 2 * si)
                case .logTermSignFlipped: sum += 0.5 * (exp(2 * si) + mi * mi - 1 + 2 * si)
                case .missingHalf: sum += exp(2 * si) + mi * mi - 1 - 2 * si
                case .sigmaInsteadOfVariance: sum += 0.5 * (exp(si) + mi * mi - 1 - 2 * si)
                }
            }
            perSample.append(sum)
        }
        let total = perSample.reduce(0, +)
        let mean = total / Double(perSample.count)
        let useSum = (reduction == .sum) != (self == .reducedTheOtherWay)
        return useSum ? total : mean
    }
}
