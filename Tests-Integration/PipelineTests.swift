import Data
import MNISTData
import NN
import TensorCore
import TestKit
import TestKitTesting
import Testing
import Training
import TrainingChecks
import VAEModels

/// MNIST files → dataset → model → trainer → event files and checkpoints → reload → evaluate,
/// with every package's real component (release build; a few seconds).
@Suite struct PipelineTests {
    @Test(arguments: VAEConfiguration.Architecture.allCases)
    func trainCheckpointReloadEvaluate(_ architecture: VAEConfiguration.Architecture) throws {
        let data = try TemporaryDirectory(prefix: "pipeline-data")
        try SyntheticMNISTFiles.write(train: 48, test: 16, into: data)
        let train = try MNIST(split: .train, collection: SyntheticMNISTFiles.offlineCollection, directory: data.path)
        let test = try MNIST(split: .test, collection: SyntheticMNISTFiles.offlineCollection, directory: data.path)
        #expect(train.count == 48 && test.count == 16)

        let run = try TemporaryDirectory(prefix: "pipeline-run")
        let configuration = VAEConfiguration(architecture: architecture, bottleneck: 8)
        let options = VAETrainerOptions(
            learningRate: 1e-3, batchSize: 16, seed: 11, workers: 2,
            evaluationSampling: .mean, comparisonImages: 2, logsImageGrids: true,
            outputDirectory: run.path)
        let generator = RandomGenerator(seed: 11)
        let writer = try EventFileWriter(logDirectory: run.path)
        let trainer = try VAETrainer(
            model: try configuration.makeModel(generator: generator), trainingSet: train,
            testSet: test, options: options, generator: generator, writer: writer)
        let summaries = try trainer.train(epochs: 2)
        try writer.close()
        #expect(summaries.count == 2)
        #expect(summaries[1].testLoss.isFinite)

        // The event file holds the reference's logging contract, readable by our reader.
        let logged = try EventFileReader.run(run.path)
        #expect(logged.scalars["train/loss"]?.map(\.step) == Array(0..<6).map(Int64.init))
        #expect(logged.scalars["test/loss"]?.map(\.step) == [0, 1])
        #expect(logged.scalars["test/loss"]?.last?.value == summaries[1].testLoss)
        #expect(logged.images["test/0"]?.count == 2)

        // A fresh trainer restored from the last checkpoint evaluates identically.
        let checkpoint = try #require(CheckpointFiles.latest(in: run.path))
        let restoredGenerator = RandomGenerator(seed: 99)
        let restored = try VAETrainer(
            model: try configuration.makeModel(generator: restoredGenerator), trainingSet: train,
            testSet: test, options: options, generator: restoredGenerator,
            writer: RecordingWriter())
        try restored.loadCheckpoint(from: checkpoint)
        #expect(restored.completedEpochs == 2)
        #expect(try restored.evaluate() == summaries[1].testLoss)
    }

    /// TestKit's trainer suite on the trainer fed by the MNIST dataset type (generated files).
    @Test(arguments: TrainerCheck.allCases)
    func trainerSuiteOnMNISTFiles(_ check: TrainerCheck) throws {
        try check.verify(on: Self.trainerSubject.get())
    }

    static let trainerSubject = Result { () throws -> TrainerSubject in
        let data = try TemporaryDirectory(prefix: "pipeline-suite")
        try SyntheticMNISTFiles.write(train: 8, test: 4, into: data)
        let train = try MNIST(split: .train, collection: SyntheticMNISTFiles.offlineCollection, directory: data.path)
            .withTransform(ImagePipeline.reference(augment: false))
        return TrainingSubjects.vaeTrainer(
            name: "VAETrainer on MNIST files (CNN, d=10, 8 images, batch 4)",
            configuration: VAEConfiguration(architecture: .cnn, bottleneck: 10), dataset: train, batchSize: 4,
            overfit: OverfitExpectation(steps: 500, maximumLoss: 30))
    }
}
