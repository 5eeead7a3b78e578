import Data
import SyntheticBlobs
import TensorCore
import Testing
import Training
import TrainingChecks
import VAEModels

/// The trainer on the user's dataset: an MLP VAE for 1×8×8 images, batches of 4, 10 training and
/// 6 test images, deterministic evaluation; everything seeded, so each test is reproducible.
enum BlobRun {
    static let configuration = VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4)
    static let trainingSet = SyntheticBlobs(count: 10, contentKey: 1, noise: 0.05)
    static let testSet = SyntheticBlobs(count: 6, contentKey: 2)

    static func trainer(
        writer: any SummaryWriter = RecordingWriter(), learningRate: Float = 1e-3,
        trainingSet: any Dataset = trainingSet
    ) throws -> VAETrainer {
        let generator = RandomGenerator(seed: 7)
        let model = try configuration.makeModel(generator: generator)
        let options = VAETrainerOptions(
            learningRate: learningRate, batchSize: 4, seed: 3,
            evaluationSampling: .mean, comparisonImages: 2)
        return try VAETrainer(
            model: model, trainingSet: trainingSet, testSet: testSet, options: options,
            generator: generator, writer: writer)
    }
}

@Suite struct TrainerWithOwnDatasetTests {
    /// Training lowers the (deterministic) evaluation on the user's test images.
    @Test func trainingLowersTheTestLoss() throws {
        let trainer = try BlobRun.trainer(learningRate: 1e-2)
        let before = try trainer.evaluate()
        let summaries = try trainer.train(epochs: 3)
        #expect(summaries.map(\.epoch) == [0, 1, 2])
        #expect(summaries.allSatisfy { $0.steps == 3 && $0.samples == 10 })
        #expect(summaries.last!.testLoss < 0.8 * before, "test loss \(before) → \(summaries.map(\.testLoss))")
        #expect(summaries.last!.meanTrainingLoss < summaries.first!.meanTrainingLoss)
    }

    /// One epoch of 3 steps logs exactly the reference's tags: the three training scalars at global
    /// steps 0, 1, 2, then `test/loss` and the comparison images at epoch 0.
    @Test func oneEpochFollowsTheLoggingContract() throws {
        let writer = RecordingWriter()
        let trainer = try BlobRun.trainer(writer: writer)
        try trainer.trainEpoch()
        for tag in ["train/recon_loss", "train/kl_div_loss", "train/loss"] {
            #expect(writer.scalars(tag: tag).map(\.step) == [0, 1, 2], "\(tag)")
        }
        #expect(writer.scalars(tag: "test/loss").map(\.step) == [0])
        #expect(writer.images(tag: "test/0").map(\.step) == [0])
        #expect(writer.images(tag: "test/1").map(\.step) == [0])
        #expect(writer.tags == ["test/0", "test/1", "test/loss", "train/kl_div_loss", "train/loss", "train/recon_loss"])
        let total = writer.scalars(tag: "train/loss").map(\.value)
        let parts = zip(writer.scalars(tag: "train/recon_loss"), writer.scalars(tag: "train/kl_div_loss")).map {
            $0.value + $1.value
        }
        for (logged, sum) in zip(total, parts) {
            #expect(abs(logged - sum) <= 1e-3 * abs(sum), "train/loss \(logged) is not recon + KL = \(sum)")
        }
    }

    /// A dataset whose images do not have the model's input shape is refused up front, naming it.
    @Test func wrongImageSizeIsRefused() throws {
        let error = #expect(throws: TrainingError.self) {
            try BlobRun.trainer(trainingSet: SyntheticBlobs(count: 4, side: 6, contentKey: 1))
        }
        #expect("\(error!)".contains("[1, 6, 6]"))
    }

    /// The user's dataset is reproducible and augments only when asked.
    @Test func datasetIsReproducible() throws {
        let context = SampleContext(seed: 0, epoch: 0, index: 3)
        let plain = SyntheticBlobs(count: 5, contentKey: 9)
        #expect(
            try plain.example(at: 3, context: context).input.scalars
                == plain.example(at: 3, context: SampleContext(seed: 0, epoch: 1, index: 3)).input.scalars)
        let noisy = SyntheticBlobs(count: 5, contentKey: 9, noise: 0.1)
        #expect(
            try noisy.example(at: 3, context: context).input.scalars
                != noisy.example(at: 3, context: SampleContext(seed: 0, epoch: 1, index: 3)).input.scalars)
        #expect(throws: BlobIndexError(index: 5, count: 5)) { try plain.example(at: 5, context: context) }
    }
}
