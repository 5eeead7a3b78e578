import NN
import Optim
import TestKit

/// Model subjects over the models of TestModels.swift.
enum ModelSubjects {
    static func features(_ size: Int, _ seed: UInt64) -> ModelBatch {
        let generator = RandomGenerator(seed: seed)
        return ModelBatch(
            input: Tensor.randn([size, 8], generator: generator),
            target: Tensor(shape: [size], scalars: (0..<size).map { Float($0 % 3) }))
    }

    static func images(_ size: Int, _ seed: UInt64) -> ModelBatch {
        let generator = RandomGenerator(seed: seed)
        return ModelBatch(
            input: Tensor.randn([size, 1, 4, 4], generator: generator),
            target: Tensor(shape: [size], scalars: (0..<size).map { Float($0 % 2) }))
    }

    /// A classifier subject for any layer taking `[batch, 8]` features and giving 3 logits.
    static func classifier<M: Layer>(
        _ name: String, seed: UInt64 = 0, modes: ModeBehaviour = .deterministic,
        optimizeAll: Bool = true, _ make: @escaping @Sendable () -> M
    ) -> ModelSubject {
        ModelSubject(
            name: name, seed: seed, modes: modes,
            makeModel: { _, device in try make().moved(to: device) },
            makeBatch: features, outputShape: [3],
            loss: { output, batch in crossEntropy(output, batch.target!) },
            makeOptimizer: { model in
                let parameters = model.namedParameters()
                return try Adam(optimizeAll ? parameters : Array(parameters.dropLast()))
            })
    }

    static func convNet(seed: UInt64 = 0) -> ModelSubject {
        ModelSubject(
            name: "tiny conv net", seed: seed,
            makeModel: { seed, device in try TinyConvNet(generator: RandomGenerator(seed: seed)).moved(to: device) },
            makeBatch: images, outputShape: [2],
            loss: { output, batch in crossEntropy(output, batch.target!) },
            makeOptimizer: { model in try SGD(model.namedParameters(), learningRate: 0.1) })
    }

    static func vae(_ noise: TinyVAE.Noise = .correct, deterministicEvaluation: Bool = false, seed: UInt64 = 0) -> ModelSubject {
        ModelSubject(
            name: "tiny VAE (\(noise))", seed: seed,
            modes: deterministicEvaluation ? .stochasticInTraining : .stochastic, outputRange: -1...1,
            makeModel: { _, device in
                try TinyVAE(noise: noise, deterministicEvaluation: deterministicEvaluation).moved(to: device)
            },
            makeBatch: { size, seed in
                ModelBatch(input: Tensor.rand([size, 8], low: -1, high: 1, generator: RandomGenerator(seed: seed)))
            },
            outputShape: [8],
            forward: { model, input in model(input).reconstruction },
            loss: vaeLoss,
            makeOptimizer: { model in try Adam(model.namedParameters()) })
    }

    /// Every correct subject.
    static func correct(seed: UInt64) -> [ModelSubject] {
        [
            classifier("MLP classifier", seed: seed) { MLPClassifier() },
            classifier("MLP classifier with BatchNorm", seed: seed) { MLPClassifier(variant: .batchNorm) },
            classifier("MLP classifier with dropout", seed: seed, modes: .stochasticInTraining) {
                MLPClassifier(variant: .dropout)
            },
            convNet(seed: seed),
            vae(seed: seed),
            vae(deterministicEvaluation: true, seed: seed),
        ]
    }
}
