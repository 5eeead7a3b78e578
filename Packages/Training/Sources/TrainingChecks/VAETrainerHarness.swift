import Data
import NN
import TensorCore
import TestKit
import Training
import VAEModels

/// The VAE trainer as TestKit's trainer checks see it: a fresh model and trainer on a small
/// dataset, recording its log with a ``RecordingWriter`` and evaluating deterministically
/// (``LatentSampling/mean``, which the checks require).
///
/// ``trainStep()`` trains on "the one small batch": the first `batchSize` examples of the dataset
/// (epoch 0), and the trainer evaluates on those same examples, so ``TrainerCheck/overfitOneBatch``
/// is the reference's overfit test. Epochs train on the whole dataset.
public final class VAETrainerHarness: TrainerHarness {
    /// The trainer under test: a fresh model of the configuration on the device, ``LatentSampling/mean``
    /// evaluation on the first `batchSize` examples.
    public let trainer: VAETrainer
    /// Everything the trainer logged, in order (``trainEpoch()`` reports the events it adds).
    public let writer = RecordingWriter()
    private let batch: Tensor

    /// - Parameters:
    ///   - configuration: the model to build (initialised from `seed`).
    ///   - dataset: the training and evaluation data (examples of `configuration.inputShape`).
    ///   - batchSize: the trainer's batch size and the size of the overfitting (and evaluation) batch
    ///     (≤ dataset size).
    ///   - device: where the model lives (batches are moved there by the trainer).
    /// - Throws: what making the model or the trainer throws, or reading the batch's examples.
    public init(
        configuration: VAEConfiguration, dataset: any Dataset, batchSize: Int, seed: UInt64,
        comparisonImages: Int = 2, device: Device = .cpu
    ) throws {
        let generator = RandomGenerator(seed: seed)
        let model = try configuration.makeModel(generator: generator, device: device)
        let options = VAETrainerOptions(
            learningRate: 1e-3, batchSize: batchSize, seed: seed, workers: 0,
            evaluationSampling: .mean, comparisonImages: comparisonImages,
            logsImageGrids: false)
        trainer = try VAETrainer(
            model: model, trainingSet: dataset, testSet: try Self.prefix(dataset, count: batchSize),
            options: options,
            generator: generator, writer: writer)
        let examples = try (0..<batchSize).map {
            try dataset.example(at: $0, context: SampleContext(seed: seed, epoch: 0, index: $0))
        }
        batch = Tensor.concatenated(examples.map { $0.input.unsqueezed(axis: 0) }, axis: 0)
    }

    /// The first `count` examples of `dataset` (opens the existential for the generic ``Subset``).
    private static func prefix<D: Dataset>(_ dataset: D, count: Int) throws -> any Dataset {
        try Subset(dataset, first: count)
    }

    public func trainStep() throws -> Float { try trainer.trainStep(on: batch).total }

    public func trainEpoch() throws -> [LoggedEvent] {
        let before = writer.calls.count
        try trainer.trainEpoch()
        return writer.calls.dropFirst(before).compactMap { call in
            switch call {
            case .scalar(let tag, _, let step), .image(let tag, _, let step): return LoggedEvent(tag: tag, step: step)
            case .flush, .close: return nil
            }
        }
    }

    public func evaluate() throws -> Float { try trainer.evaluate() }

    public func namedParameters() -> [(name: String, value: Tensor)] {
        trainer.model.namedParameters().map { ($0.name, $0.parameter.value) }
    }

    public func saveCheckpoint(to path: String) throws { try trainer.saveCheckpoint(to: path) }

    public func loadCheckpoint(from path: String) throws { try trainer.loadCheckpoint(from: path) }
}

/// TestKit trainer subjects for the VAE trainer.
public enum TrainingSubjects {
    /// The VAE trainer on `dataset` with the reference logging contract: every step logs
    /// `train/recon_loss`, `train/kl_div_loss`, `train/loss` at the global step; every epoch
    /// `test/loss` and the comparison images `test/0` … at the epoch.
    public static func vaeTrainer(
        name: String, configuration: VAEConfiguration, dataset: any Dataset,
        batchSize: Int, overfit: OverfitExpectation, seed: UInt64 = 0,
        comparisonImages: Int = 2, device: Device = .cpu
    ) -> TrainerSubject {
        let stepsPerEpoch = (dataset.count + batchSize - 1) / batchSize
        let images = min(comparisonImages, batchSize)
        return TrainerSubject(
            name: name, seed: seed,
            expectedEpochEvents: { epoch in
                let steps = (epoch * stepsPerEpoch)..<((epoch + 1) * stepsPerEpoch)
                let training = steps.flatMap { step in
                    ["train/recon_loss", "train/kl_div_loss", "train/loss"].map { LoggedEvent(tag: $0, step: step) }
                }
                let testing = (["test/loss"] + (0..<images).map { "test/\($0)" }).map { LoggedEvent(tag: $0, step: epoch) }
                return training + testing
            },
            overfit: overfit,
            makeTrainer: { seed in
                try VAETrainerHarness(
                    configuration: configuration, dataset: dataset, batchSize: batchSize, seed: seed,
                    comparisonImages: images, device: device)
            })
    }
}
