import Foundation
import Data
import NN
import Synchronization
import TensorCore
import Training
import TrainingChecks
import VAEModels

/// Small 1×8×8 images of one bright blob on a dark background, values in [-1, 1], a pure function
/// of (key, index); with `augment`, each example gets jitter drawn from its `SampleContext`
/// (so it changes with the epoch, as MNIST's random rotation does).
struct BlobImages: Dataset {
    let count: Int
    let key: UInt64
    var augment = false
    static let side = 8

    func example(at index: Int, context: SampleContext) throws -> Example {
        var shape = PhiloxStream(key: PhiloxKey(seed: key, stream: UInt64(index)))
        let centerX = shape.nextUniform(in: 1.5, 6.5), centerY = shape.nextUniform(in: 1.5, 6.5)
        let width = shape.nextUniform(in: 1, 2.5)
        var jitter = context.random
        var values: [Float] = []
        for y in 0..<Self.side {
            for x in 0..<Self.side {
                let dx = Float(x) - centerX, dy = Float(y) - centerY
                var value = 2 * exp(-(dx * dx + dy * dy) / (width * width)) - 1
                if augment { value = min(1, max(-1, value + jitter.nextUniform(in: -0.1, 0.1))) }
                values.append(value)
            }
        }
        return Example(input: Tensor(shape: [1, Self.side, Self.side], scalars: values), label: index % 3)
    }
}

/// Trainers on ``BlobImages`` for the tests, each with its own generators (tests run in parallel,
/// so nothing here touches `RandomGenerator.default`).
enum TrainerFixture {
    static let configuration = VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4)
    static let trainingSet = BlobImages(count: 10, key: 1, augment: true)
    static let testSet = BlobImages(count: 6, key: 2)

    /// A trainer whose model is initialised from `modelSeed` and whose noise generator continues
    /// from there; options default to batch 4 (3 steps per epoch on 10 examples), 2 comparison images.
    static func trainer(
        modelSeed: UInt64 = 7, options: VAETrainerOptions = options(),
        configuration: VAEConfiguration = configuration, device: Device = .cpu,
        trainingSet: any Dataset = trainingSet, testSet: any Dataset = testSet,
        writer: any SummaryWriter = RecordingWriter()
    ) throws -> VAETrainer {
        let generator = RandomGenerator(seed: modelSeed)
        let model = try configuration.makeModel(generator: generator, device: device)
        return try VAETrainer(
            model: model, trainingSet: trainingSet, testSet: testSet, options: options,
            generator: generator, writer: writer)
    }

    static func options(
        seed: UInt64 = 3, batchSize: Int = 4, workers: Int = 0,
        evaluationSampling: LatentSampling = .reparameterized, comparisonImages: Int = 2,
        logsImageGrids: Bool = false, outputDirectory: String? = nil
    ) -> VAETrainerOptions {
        VAETrainerOptions(
            learningRate: 1e-3, batchSize: batchSize, seed: seed, workers: workers,
            evaluationSampling: evaluationSampling, comparisonImages: comparisonImages,
            logsImageGrids: logsImageGrids, priorSamples: 6, outputDirectory: outputDirectory)
    }

    /// The first `count` examples of `dataset` stacked into one batch (epoch 0, seed 3).
    static func batch(_ dataset: any Dataset = trainingSet, count: Int = 4) throws -> Tensor {
        let examples = try (0..<count).map { try dataset.example(at: $0, context: SampleContext(seed: 3, epoch: 0, index: $0)) }
        return Tensor(shape: [count, 1, 8, 8], scalars: examples.flatMap(\.input.scalars))
    }

    /// Every parameter's values by name.
    static func parameterValues(_ model: any VariationalAutoencoder) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter.value.scalars) })
    }

    /// `a` and `b` hold the same names and bit-identical values.
    static func bitwiseEqual(_ a: [String: [Float]], _ b: [String: [Float]]) -> Bool {
        a.keys.sorted() == b.keys.sorted()
            && a.allSatisfy { name, values in
                guard let other = b[name], other.count == values.count else { return false }
                return zip(values, other).allSatisfy { $0.bitPattern == $1.bitPattern }
            }
    }
}

/// An MLP VAE that records, at every `encode`, whether it was in training mode and whether
/// gradients were being recorded.
final class ProbeVAE: VariationalAutoencoder {
    struct Observation: Equatable, Sendable {
        var training: Bool
        var gradients: Bool
    }

    let inner: MLPVAE
    private let log = Mutex<[Observation]>([])

    init(inner: MLPVAE) {
        self.inner = inner
    }

    var observations: [Observation] { log.withLock { $0 } }

    var configuration: VAEConfiguration { inner.configuration }

    func encode(_ input: Tensor) -> (mu: Tensor, logSigma: Tensor) {
        log.withLock { $0.append(Observation(training: isTraining, gradients: GradMode.isEnabled)) }
        return inner.encode(input)
    }

    func decode(_ latent: Tensor) -> Tensor { inner.decode(latent) }

    var namedChildren: [(name: String, module: any Module)] { [("inner", inner)] }
    var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }
    var trainingFlag: TrainingFlag? { nil }

    func copy(with clone: ModuleCloner) throws(DeviceError) -> ProbeVAE {
        ProbeVAE(inner: try clone(inner))
    }
}
