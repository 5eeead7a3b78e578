import Foundation
import Testing
@testable import TestKit

@Suite("KL divergence checks")
struct KLDivergenceCheckTests {
    enum Variant: String { case correct, signError, meanOverBatch, withoutMeanTerm, perSample }

    /// A KL term written as a user would, with one deliberate mistake per variant.
    static func subject(_ variant: Variant, seed: UInt64 = 0) -> KLDivergenceSubject {
        KLDivergenceSubject(name: "KL (\(variant.rawValue))", seed: seed) { mu, logSigma in
            let variance = (2 * logSigma).exp()
            let meanTerm = variant == .withoutMeanTerm ? Tensor.zeros(like: mu) : mu * mu
            let logTerm = variant == .signError ? 2 * logSigma : -2 * logSigma
            let perSample = 0.5 * (variance + meanTerm - 1 + logTerm).sum(axes: [1])
            switch variant {
            case .perSample: return perSample
            case .meanOverBatch: return perSample.mean()
            default: return perSample.sum()
            }
        }
    }

    @Test("the correct term passes both checks", arguments: KLDivergenceCheck.allCases)
    func correctPasses(_ check: KLDivergenceCheck) {
        expectPasses(check, on: Self.subject(.correct))
    }

    @Test("a sign error in the log term fails the closed form, which names the mistake")
    func signError() throws {
        let failure = try #require(expectFailure(of: KLDivergenceCheck.closedForm, on: Self.subject(.signError)))
        #expect(failure.message.contains("sign of the log σ term flipped"))
        #expect(failure.location.shape == [3, 4])
    }

    @Test("averaging over the batch where the sum was declared is named")
    func meanOverBatch() throws {
        let failure = try #require(expectFailure(of: KLDivergenceCheck.closedForm, on: Self.subject(.meanOverBatch)))
        #expect(failure.message.contains("the other batch reduction"))
    }

    @Test("a term without the mu² part fails the histogram estimate")
    func withoutMeanTerm() throws {
        let failure = try #require(expectFailure(of: KLDivergenceCheck.histogramEstimate, on: Self.subject(.withoutMeanTerm)))
        #expect((failure.deviation?.observed ?? 0) > 0.05)
        #expect(failure.location.shape == [1, 10])
    }

    @Test("a term that is not reduced over the batch is reported with its shape")
    func notReduced() throws {
        let failure = try #require(expectFailure(of: KLDivergenceCheck.closedForm, on: Self.subject(.perSample)))
        #expect(failure.location.shape == [3])
    }

    @Test("the histogram estimator alone lies well inside the tolerance of the closed form", arguments: 0..<3)
    func estimatorError(seed: UInt64) throws {
        let settings = KLHistogramSettings()
        let generator = RandomGenerator(seed: seed)
        let mu = Tensor.randn([10], generator: generator).scalars.map { Double($0) * 0.25 }
        let sigma = Tensor.randn([10], generator: generator).scalars.map { Double($0) * 0.1 + 1 }
        let z = Tensor.randn([settings.samples, 10], generator: generator).scalars
        let estimate = KLDivergenceCheck.histogramKL(z: z, mu: mu, sigma: sigma, settings: settings)
        let closed = zip(mu, sigma).reduce(0.0) { $0 + 0.5 * ($1.1 * $1.1 + $1.0 * $1.0 - 1 - 2 * log($1.1)) }
        #expect(abs(estimate - closed) < settings.tolerance / 3, "estimate \(estimate), closed form \(closed)")
    }
}
