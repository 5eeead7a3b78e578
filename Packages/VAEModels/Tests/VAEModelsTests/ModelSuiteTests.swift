import Testing
import TensorCore
import NN
import Optim
import TestKit
import TestKitTesting
import VAEModels

/// TestKit's model suite on both reference models, two configurations each, and both evaluation
/// samplings (the reference's noise in evaluation, and the deterministic mean).
enum VAESubjects {
    static func subject<Model: VariationalAutoencoder>(
        _ configuration: VAEConfiguration, evaluation: LatentSampling,
        make: @escaping @Sendable (VAEConfiguration, RandomGenerator) -> Model
    ) -> ModelSubject {
        ModelSubject(
            name: "\(configuration.architecture.rawValue)(d=\(configuration.bottleneck), \(configuration.inputShape), eval \(evaluation.rawValue))",
            batchSize: 4,
            modes: evaluation == .mean ? .stochasticInTraining : .stochastic,
            makeModel: { seed, device in try make(configuration, RandomGenerator(seed: seed)).moved(to: device) },
            makeBatch: { size, seed in
                ModelBatch(input: Tensor.rand([size] + configuration.inputShape, low: -1, high: 1,
                                              generator: RandomGenerator(seed: seed &+ 1)))
            },
            outputShape: configuration.inputShape,
            forward: { model, input in
                model.forward(input, sampling: model.isTraining ? .reparameterized : evaluation).reconstruction
            },
            loss: { model, batch in VAELoss.terms(model.forward(batch.input), target: batch.input).total },
            makeOptimizer: { model in try Adam(model.namedParameters(), learningRate: 1e-3) })
    }

    static let all: [ModelSubject] = [
        subject(VAEConfiguration(architecture: .mlp, inputShape: [1, 32, 32], bottleneck: 16), evaluation: .reparameterized, make: MLPVAE.init),
        subject(VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4), evaluation: .mean, make: MLPVAE.init),
        subject(VAEConfiguration(architecture: .cnn, inputShape: [1, 32, 32], bottleneck: 16), evaluation: .reparameterized, make: CNNVAE.init),
        subject(VAEConfiguration(architecture: .cnn, inputShape: [1, 16, 16], bottleneck: 10), evaluation: .mean, make: CNNVAE.init),
    ]
}

@Suite struct ModelSuiteTests {
    @Test(arguments: ModelCheck.allCases, VAESubjects.all.indices)
    func referenceModels(_ check: ModelCheck, subjectIndex: Int) throws {
        SimulatedDevice.install()
        try check.verify(on: VAESubjects.all[subjectIndex])
    }

    /// The noise of the reparameterisation lives on the model's device (the reference made it on the CPU).
    @Test func noiseIsDrawnOnTheModelsDevice() throws {
        SimulatedDevice.install()
        let model = try VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4).makeModel(device: SimulatedDevice.device)
        let input = try Tensor.zeros([2, 1, 8, 8], device: SimulatedDevice.device)
        let output = try withTensorChecking { model.forward(input) }
        #expect(output.z.device == SimulatedDevice.device)
        #expect(output.reconstruction.shape == [2, 1, 8, 8])
        #expect(model.sample(count: 3).device == SimulatedDevice.device)
    }

    @Test func meanSamplingIsDeterministicAndReparameterizedIsNot() throws {
        let model = try VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4).makeModel()
        let input = Tensor.rand([2, 1, 8, 8], low: -1, high: 1)
        #expect(model.reconstruct(input, sampling: .mean).scalars == model.reconstruct(input, sampling: .mean).scalars)
        #expect(model.reconstruct(input).scalars != model.reconstruct(input).scalars)
    }
}
