import NN
import TensorCore
import TestKit
import TestKitTesting
import Testing
import Training
import VAEModels

/// TestKit's framework-agnostic trainer checks run on the VAE trainer.
@Suite struct TrainerCheckSuiteTests {
    static let subject = TrainerSubject(
        name: "VAETrainer (MLP VAE, 4 blob images, batch 4)", seed: 5,
        expectedEpochEvents: { epoch in
            // One step per epoch: global step = epoch.
            ["train/recon_loss", "train/kl_div_loss", "train/loss", "test/loss", "test/0", "test/1"]
                .map { LoggedEvent(tag: $0, step: epoch) }
        },
        overfit: OverfitExpectation(steps: 300, maximumLoss: 2)
    ) { seed in
        try VAETrainerHarness(seed: seed)
    }

    @Test(arguments: TrainerCheck.allCases)
    func trainerCheck(_ check: TrainerCheck) throws {
        try check.verify(on: Self.subject)
    }
}

/// The VAE trainer behind TestKit's ``TrainerHarness``: four examples, one batch, deterministic
/// evaluation (the checks require it).
final class VAETrainerHarness: TrainerHarness {
    let trainer: VAETrainer
    let writer = RecordingWriter()
    let batch: Tensor

    init(seed: UInt64) throws {
        let data = BlobImages(count: 4, key: 1)
        let generator = RandomGenerator(seed: seed)
        let model = try TrainerFixture.configuration.makeModel(generator: generator)
        trainer = try VAETrainer(model: model, trainingSet: data, testSet: data,
                                 options: TrainerFixture.options(seed: seed, evaluationSampling: .mean),
                                 generator: generator, writer: writer)
        batch = try TrainerFixture.batch(data, count: 4)
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
