import Data
import Foundation
import TensorCore
import TestKit
import TestKitTesting
import Testing
import Training
import TrainingChecks
import VAEModels

// The examples of Training.docc/TrainingAVAE.md and the trainer section of TestKit's
// "Adopting the suites" article, line for line, run on small blob images instead of MNIST.

func trainVAE(
    _ configuration: VAEConfiguration, trainingSet: any Dataset, testSet: any Dataset,
    epochs: Int, directory: String
) throws -> [EpochSummary] {
    let generator = RandomGenerator(seed: 42)  // weights and latent noise
    let model = try configuration.makeModel(generator: generator)
    let writer = try EventFileWriter(logDirectory: directory)  // TensorBoard: tensorboard --logdir …
    defer { try? writer.close() }
    let trainer = try VAETrainer(
        model: model, trainingSet: trainingSet, testSet: testSet,
        options: VAETrainerOptions(seed: 42, outputDirectory: directory),
        generator: generator, writer: writer)
    return try trainer.train(epochs: epochs)
}

func resumeVAE(
    _ configuration: VAEConfiguration, trainingSet: any Dataset, testSet: any Dataset,
    epochs: Int, directory: String
) throws -> [EpochSummary] {
    let generator = RandomGenerator(seed: 42)
    let model = try configuration.makeModel(generator: generator)
    let writer = try EventFileWriter(logDirectory: directory)
    defer { try? writer.close() }
    let trainer = try VAETrainer(
        model: model, trainingSet: trainingSet, testSet: testSet,
        options: VAETrainerOptions(seed: 42, outputDirectory: directory),
        generator: generator, writer: writer)
    try trainer.loadCheckpoint(from: directory)  // the latest checkpoint_<epoch> there
    return try trainer.train(epochs: epochs)  // continues at the next epoch
}

@Suite struct TrainingDocumentationExamples {
    static let configuration = VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4)

    /// Two epochs straight and one epoch + resume + one epoch give the same checkpoint, bit for bit;
    /// the logs read back have one `test/loss` per epoch.
    @Test func trainResumeAndReadTheLogs() throws {
        try withTemporaryDirectory { straight in
            try withTemporaryDirectory { resumed in
                let summaries = try trainVAE(
                    Self.configuration, trainingSet: TrainerFixture.trainingSet,
                    testSet: TrainerFixture.testSet, epochs: 2, directory: straight.path)
                #expect(summaries.map(\.epoch) == [0, 1])
                _ = try trainVAE(
                    Self.configuration, trainingSet: TrainerFixture.trainingSet,
                    testSet: TrainerFixture.testSet, epochs: 1, directory: resumed.path)
                let continued = try resumeVAE(
                    Self.configuration, trainingSet: TrainerFixture.trainingSet,
                    testSet: TrainerFixture.testSet, epochs: 1, directory: resumed.path)
                #expect(continued.map(\.epoch) == [1])
                #expect(continued[0].testLoss == summaries[1].testLoss)
                let a = try SafeTensors.read(CheckpointFiles.path(in: straight.path, epoch: 1))
                let b = try SafeTensors.read(CheckpointFiles.path(in: resumed.path, epoch: 1))
                #expect(a.names == b.names)
                for name in a.names {
                    #expect(a.tensors[name]!.scalars == b.tensors[name]!.scalars, "\(name)")
                }

                let directory = straight.path
                let run = try EventFileReader.run(directory)
                let testLosses = run.scalars["test/loss"]!.map(\.value)  // one per epoch
                #expect(testLosses == summaries.map(\.testLoss))
            }
        }
    }

    /// "Test your training code": the logging contract of one epoch of 3 steps.
    @Test func recordingWriterContract() throws {
        let writer = RecordingWriter()
        let trainer = try TrainerFixture.trainer(writer: writer)  // 10 examples, batch 4: 3 steps
        try trainer.trainEpoch()
        #expect(writer.scalars(tag: "train/loss").map(\.step) == [0, 1, 2])
        #expect(writer.scalars(tag: "test/loss").map(\.step) == [0])
        #expect(writer.images(tag: "test/0").map(\.step) == [0])
    }

    /// The example of ``RecordingWriter``'s doc comment, with `options:` added so that the epoch has
    /// several steps (10 examples, batch 4: 3 steps).
    @Test func recordingWriterDocComment() throws {
        let generator = RandomGenerator(seed: 7)
        let model = try Self.configuration.makeModel(generator: generator)
        let (train, test): (any Dataset, any Dataset) = (TrainerFixture.trainingSet, TrainerFixture.testSet)
        let options = VAETrainerOptions(batchSize: 4)
        let writer = RecordingWriter()
        let trainer = try VAETrainer(
            model: model, trainingSet: train, testSet: test, options: options, generator: generator, writer: writer)
        try trainer.train(epochs: 1)
        #expect(writer.scalars(tag: "train/loss").map(\.step) == Array(0..<trainer.stepsPerEpoch))  // global steps
        #expect(writer.scalars(tag: "test/loss").map(\.step) == [0])  // the epoch
        #expect(trainer.stepsPerEpoch == 3)
    }
}

// MARK: - TestKit's trainer suite on VAETrainer (TestKit.docc/AdoptingTheSuites.md)

final class VAEHarness: TrainerHarness {
    let trainer: VAETrainer
    let writer = RecordingWriter()
    let batch: Tensor

    init(seed: UInt64, images: some Dataset) throws {
        let generator = RandomGenerator(seed: seed)
        let model = try VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4)
            .makeModel(generator: generator)
        trainer = try VAETrainer(
            model: model, trainingSet: images, testSet: images,
            options: VAETrainerOptions(
                batchSize: 4, seed: seed, evaluationSampling: .mean,
                comparisonImages: 1),
            generator: generator, writer: writer)
        batch = try DataLoader(images, batchSize: 4).allBatches(epoch: 0)[0].inputs
    }

    func trainStep() throws -> Float {
        try trainer.trainStep(on: batch).total
    }

    func trainEpoch() throws -> [LoggedEvent] {
        let before = writer.calls.count
        try trainer.trainEpoch()
        return writer.calls.dropFirst(before).compactMap { call in
            switch call {
            case .scalar(let tag, _, let step), .image(let tag, _, let step): return LoggedEvent(tag: tag, step: step)
            case .flush, .close: return nil
            }
        }
    }

    func evaluate() throws -> Float { try trainer.evaluate() }
    func namedParameters() -> [(name: String, value: Tensor)] {
        trainer.model.namedParameters().map { ($0.name, $0.parameter.value) }
    }
    func saveCheckpoint(to path: String) throws { try trainer.saveCheckpoint(to: path) }
    func loadCheckpoint(from path: String) throws { try trainer.loadCheckpoint(from: path) }
}

let fourImages: any Dataset = BlobImages(count: 4, key: 1)

let vaeTrainerSubject = TrainerSubject(
    name: "VAETrainer",
    expectedEpochEvents: { epoch in
        ["train/recon_loss", "train/kl_div_loss", "train/loss", "test/loss", "test/0"]
            .map { LoggedEvent(tag: $0, step: epoch) }
    },
    overfit: OverfitExpectation(steps: 100, maximumLoss: 5),
    makeTrainer: { seed in
        try VAEHarness(seed: seed, images: fourImages)  // any Dataset of four [1, 8, 8] images
    })

@Test(arguments: TrainerCheck.allCases)
func vaeTrainer(_ check: TrainerCheck) throws {
    try check.verify(on: vaeTrainerSubject)
}

/// 1×32×32 images of diagonal stripes in [-1, 1], one phase per index (plus `offset`).
struct StripeImages: Dataset {
    let count: Int
    let offset: Int

    func example(at index: Int, context: SampleContext) throws -> Example {
        let phase = Float(index + offset)
        let pixels = (0..<32 * 32).map { position -> Float in
            let (row, column) = (Float(position / 32), Float(position % 32))
            return Float(sin(Double((row + column + phase) * 0.4)))
        }
        return Example(input: Tensor(shape: [1, 32, 32], scalars: pixels))
    }
}

/// A temporary directory and two small datasets for the README's Training example, which lives in
/// ReadmeTrainingExampleTests.swift with exactly the README's imports.
func withReadmeTrainingInputs(_ body: (_ directory: String, _ train: any Dataset, _ test: any Dataset) throws -> Void)
    throws
{
    try TrainingTestSupport.withTemporaryDirectory { directory in
        try body(directory, StripeImages(count: 4, offset: 0), StripeImages(count: 2, offset: 4))
    }
}
