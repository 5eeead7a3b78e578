import Data
import NN
import Optim
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
    /// The fault planted into this trainer for mutation analysis, or `nil` (see ``VAETrainerFault``).
    public let fault: VAETrainerFault?
    private let batch: Tensor
    private let rebuild: (VAETrainerFault) throws -> VAETrainerHarness
    private let initialOptimizerState: OptimizerState
    private let reads: SampleReadLog
    private var visited: [[Int]] = []

    /// - Parameters:
    ///   - configuration: the model to build (initialised from `seed`).
    ///   - dataset: the training and evaluation data (examples of `configuration.inputShape`).
    ///   - batchSize: the trainer's batch size and the size of the overfitting (and evaluation) batch
    ///     (≤ dataset size).
    ///   - device: where the model lives (batches are moved there by the trainer).
    ///   - fault: a fault to plant for mutation analysis (``VAETrainerFault``); `nil` for the trainer as it is.
    /// - Throws: what making the model or the trainer throws, or reading the batch's examples;
    ///   ``VAETrainerFault/Inapplicable`` when `fault` cannot be planted into this trainer.
    public init(
        configuration: VAEConfiguration, dataset: any Dataset, batchSize: Int, seed: UInt64,
        comparisonImages: Int = 2, fault: VAETrainerFault? = nil, device: Device = .cpu
    ) throws {
        let generator = RandomGenerator(seed: seed)
        let model = try configuration.makeModel(generator: generator, device: device)
        var options = VAETrainerOptions(
            learningRate: 1e-3, batchSize: batchSize, seed: seed, workers: 0,
            evaluationSampling: .mean, comparisonImages: comparisonImages,
            logsImageGrids: false)
        var trainingSet = dataset
        switch fault {
        case .shuffleOff: options.shuffle = false
        case .learningRateTooHigh: options.learningRate *= 1000
        case .learningRateTooLow: options.learningRate /= 1000
        case .evaluationSamplesNoise: options.evaluationSampling = .reparameterized
        case .lastPartialBatchDropped:
            guard dataset.count % batchSize != 0, dataset.count > batchSize else {
                throw VAETrainerFault.Inapplicable(fault: .lastPartialBatchDropped, reason: "the last batch is full")
            }
            trainingSet = try Self.prefix(dataset, count: dataset.count - dataset.count % batchSize)
        case .checkpointWithoutOptimizerState, .checkpointWithoutRandomState, .resumeSkipsStep, nil: break
        }
        self.fault = fault
        let reads = SampleReadLog()
        self.reads = reads
        trainer = try VAETrainer(
            model: model, trainingSet: RecordedReads(base: trainingSet, log: reads),
            testSet: try Self.prefix(dataset, count: batchSize),
            options: options,
            generator: generator, writer: writer)
        initialOptimizerState = trainer.optimizer.state()
        rebuild = { fault in
            try VAETrainerHarness(
                configuration: configuration, dataset: dataset, batchSize: batchSize, seed: seed,
                comparisonImages: comparisonImages, fault: fault, device: device)
        }
        let examples = try (0..<batchSize).map {
            try dataset.example(at: $0, context: SampleContext(seed: seed, epoch: 0, index: $0))
        }
        batch = Tensor.concatenated(examples.map { $0.input.unsqueezed(axis: 0) }, axis: 0)
    }

    /// The training-set indices each ``trainEpoch()`` read, in order (the trainer reads with 0 workers).
    public var samplesVisited: [[Int]]? { visited }

    /// The first `count` examples of `dataset` (opens the existential for the generic ``Subset``).
    private static func prefix<D: Dataset>(_ dataset: D, count: Int) throws -> any Dataset {
        try Subset(dataset, first: count)
    }

    public func trainStep() throws -> Float { try trainer.trainStep(on: batch).total }

    public func trainEpoch() throws -> [LoggedEvent] {
        let before = writer.calls.count
        reads.start()
        try trainer.trainEpoch()
        visited.append(reads.stop())
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

    /// A fresh harness like this one (same configuration, data, seed and device) with `fault` planted.
    /// - Throws: ``VAETrainerFault/Inapplicable`` when the fault cannot be planted, or what making one throws.
    public func planting(_ fault: VAETrainerFault) throws -> VAETrainerHarness { try rebuild(fault) }

    public func saveCheckpoint(to path: String) throws {
        guard fault == .resumeSkipsStep else { return try trainer.saveCheckpoint(to: path) }
        var checkpoint = trainer.checkpoint()
        checkpoint.info.globalStep += 1
        try checkpoint.write(to: path)
    }

    public func loadCheckpoint(from path: String) throws {
        let generatorBefore = trainer.generator.snapshot
        try trainer.loadCheckpoint(from: path)
        switch fault {
        case .checkpointWithoutOptimizerState: try trainer.optimizer.load(state: initialOptimizerState)
        case .checkpointWithoutRandomState: trainer.generator.snapshot = generatorBefore
        default: break
        }
    }
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
