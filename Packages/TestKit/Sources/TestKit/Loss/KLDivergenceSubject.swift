import TensorCore

/// A KL-divergence term under test: `KL(N(mu, σ²) ‖ N(0, 1))` with `σ = exp(logSigma)`, the
/// regulariser of a variational auto-encoder.
///
/// ```swift
/// let kl = KLDivergenceSubject(name: "VAE KL") { mu, logSigma in
///     0.5 * ((2 * logSigma).exp() + mu * mu - 1 - 2 * logSigma).sum()
/// }
/// @Test(arguments: KLDivergenceCheck.allCases) func kl(_ check: KLDivergenceCheck) throws {
///     try check.verify(on: kl)
/// }
/// ```
public struct KLDivergenceSubject: CheckSubject {
    /// How the term combines the samples of a batch.
    public enum BatchReduction: String, Sendable {
        /// Summed over the batch (the reference VAE's loss).
        case sum
        /// Averaged over the batch.
        case mean
    }

    /// A short name for reports.
    public var name: String
    /// Computes the divergence of a batch: `mu` and `logSigma` of shape `[batch, dimensions]` (CPU),
    /// returning a one-element tensor: the per-sample divergence summed over dimensions, reduced
    /// over the batch by ``batchReduction``.
    public var divergence: @Sendable (_ mu: Tensor, _ logSigma: Tensor) throws -> Tensor
    /// How ``divergence`` reduces over the batch.
    public var batchReduction: BatchReduction
    /// The sampling reference of ``KLDivergenceCheck/histogramEstimate``.
    public var histogram: KLHistogramSettings
    /// Seed of the random draws of ``KLDivergenceCheck/histogramEstimate``.
    public var seed: UInt64
    /// Relative tolerance of ``KLDivergenceCheck/closedForm`` (an absolute `1e-5` is added).
    public var closedFormTolerance: Double

    /// Describes the KL term `divergence(mu, logSigma)`; the other parameters set the properties of the
    /// same names.
    public init(
        name: String, batchReduction: BatchReduction = .sum, histogram: KLHistogramSettings = KLHistogramSettings(),
        seed: UInt64 = 0, closedFormTolerance: Double = 1e-5,
        divergence: @escaping @Sendable (_ mu: Tensor, _ logSigma: Tensor) throws -> Tensor
    ) {
        self.name = name
        self.divergence = divergence
        self.batchReduction = batchReduction
        self.histogram = histogram
        self.seed = seed
        self.closedFormTolerance = closedFormTolerance
    }
}

/// The sampling reference of ``KLDivergenceCheck/histogramEstimate`` (the reference project's scipy
/// check, made reliable).
///
/// `mu = N(0,1)·muScale` and `σ = N(0,1)·sigmaSpread + 1` per dimension; `samples` draws of
/// `x = mu + σ·z` are binned into `bins` equal bins on `range`, and the estimate
/// `Σ_dims [Σ_bins p̂ log(p̂ / q) − (m − 1) / 2n]` (q the exact standard-normal probability of each
/// bin, m the number of occupied bins, n the samples inside the range: the Miller–Madow
/// correction of the plug-in entropy's bias) must lie within `tolerance` of the term under test.
///
/// The reference project bins on [−2, 2] and samples q too. That range cuts off up to a tenth of
/// the mass of `N(mu, σ²)` and the sampled q adds noise: in a NumPy simulation its estimate missed
/// the closed form by up to 0.28, beyond 0.05 for 13 of 30 seeds — a flaky test. On [−6, 6] with
/// exact q and the correction, the error over 60 seeds averaged 0.005 (spread 0.003, worst 0.011),
/// far inside 0.05; the samples, dimensions, bins, mu/σ distributions and tolerance stay the reference's.
public struct KLHistogramSettings: Sendable, Equatable {
    /// Latent dimensions (10 in the reference).
    public var dimensions: Int
    /// Samples per dimension (100,000 in the reference).
    public var samples: Int
    /// Equal-width bins of the histogram (1000 in the reference).
    public var bins: Int
    /// Interval the bins cover; samples outside it are left out.
    public var range: ClosedRange<Double>
    /// `mu = N(0, 1) · muScale` (0.25 in the reference).
    public var muScale: Double
    /// `σ = N(0, 1) · sigmaSpread + 1` (0.1 in the reference).
    public var sigmaSpread: Double
    /// Largest allowed |term − estimate| (0.05 in the reference).
    public var tolerance: Double

    /// Histogram settings; the defaults are the reference check's, except the wider range (see above).
    public init(
        dimensions: Int = 10, samples: Int = 100_000, bins: Int = 1000, range: ClosedRange<Double> = -6...6,
        muScale: Double = 0.25, sigmaSpread: Double = 0.1, tolerance: Double = 0.05
    ) {
        self.dimensions = dimensions; self.samples = samples; self.bins = bins; self.range = range
        self.muScale = muScale; self.sigmaSpread = sigmaSpread; self.tolerance = tolerance
    }
}
