import TensorCore
import NN
import Optim
import TestKit
import VAEModels

/// TestKit subjects for the reference VAEs: how the model suite builds, feeds and trains them.
///
/// ```swift
/// @Test(arguments: ModelCheck.allCases)
/// func cnn(_ check: ModelCheck) throws {
///     try check.verify(on: VAESubjects.subject(VAEConfiguration(architecture: .cnn), evaluation: .mean))
/// }
/// ```
public enum VAESubjects {
    /// A subject for the model `configuration` describes, on `device`, sampling the latent code in
    /// training and as `evaluation` says in evaluation mode; the loss is the reference loss
    /// (sum of squared errors + KL) and the optimiser Adam with lr 1e-3.
    public static func subject(
        _ configuration: VAEConfiguration, evaluation: LatentSampling,
        batchSize: Int = 4, device: Device = .cpu
    ) -> ModelSubject {
        switch configuration.architecture {
        case .mlp:
            return subject(
                configuration, evaluation: evaluation, batchSize: batchSize, device: device,
                make: { MLPVAE(configuration: $0, generator: $1) })
        case .cnn:
            return subject(
                configuration, evaluation: evaluation, batchSize: batchSize, device: device,
                make: { CNNVAE(configuration: $0, generator: $1) })
        }
    }

    /// The configurations the project's own suites run: each architecture at the reference size
    /// (bottleneck 16, 1×32×32, noise in evaluation as the reference) and at a second, smaller one
    /// (deterministic evaluation).
    public static func standard(device: Device = .cpu) -> [ModelSubject] {
        [
            subject(
                VAEConfiguration(architecture: .mlp, inputShape: [1, 32, 32], bottleneck: 16), evaluation: .reparameterized,
                device: device),
            subject(
                VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4), evaluation: .mean, device: device),
            subject(
                VAEConfiguration(architecture: .cnn, inputShape: [1, 32, 32], bottleneck: 16), evaluation: .reparameterized,
                device: device),
            subject(
                VAEConfiguration(architecture: .cnn, inputShape: [1, 16, 16], bottleneck: 10), evaluation: .mean, device: device),
        ]
    }

    private static func subject<Model: VariationalAutoencoder>(
        _ configuration: VAEConfiguration, evaluation: LatentSampling, batchSize: Int, device: Device,
        make: @escaping @Sendable (VAEConfiguration, RandomGenerator) -> Model
    ) -> ModelSubject {
        ModelSubject(
            name:
                "\(configuration.architecture.rawValue)(d=\(configuration.bottleneck), \(configuration.inputShape), eval \(evaluation.rawValue))",
            batchSize: batchSize,
            modes: evaluation == .mean ? .stochasticInTraining : .stochastic,
            outputRange: -1...1,
            device: device,
            makeModel: { seed, device in try make(configuration, RandomGenerator(seed: seed)).moved(to: device) },
            makeBatch: { size, seed in
                ModelBatch(
                    input: Tensor.rand(
                        [size] + configuration.inputShape, low: -1, high: 1,
                        generator: RandomGenerator(seed: seed &+ 1)))
            },
            outputShape: configuration.inputShape,
            forward: { model, input in
                model.forward(input, sampling: model.isTraining ? .reparameterized : evaluation).reconstruction
            },
            loss: { model, batch in VAELoss.terms(model.forward(batch.input), target: batch.input).total },
            makeOptimizer: { model in try Adam(model.namedParameters(), learningRate: 1e-3) })
    }
}

extension VAESubjects {
    /// The reference loss's KL term (``VAELoss/klDivergence(mu:logSigma:)``, summed over the batch)
    /// for TestKit's closed-form and histogram checks.
    public static let klDivergence = KLDivergenceSubject(name: "VAELoss.klDivergence", batchReduction: .sum) { mu, logSigma in
        VAELoss.klDivergence(mu: mu, logSigma: logSigma)
    }
}
