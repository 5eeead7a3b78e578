import NN
import TensorCore
import TestKit
import TestKitTesting
import Testing
import Training
import TrainingChecks
import VAEModels

/// TestKit's framework-agnostic trainer checks run on the VAE trainer.
@Suite struct TrainerCheckSuiteTests {
    static let subject = TrainingSubjects.vaeTrainer(
        name: "VAETrainer (MLP VAE, 4 blob images, batch 4)", configuration: TrainerFixture.configuration,
        dataset: BlobImages(count: 4, key: 1), batchSize: 4,
        overfit: OverfitExpectation(steps: 300, maximumLoss: 2), seed: 5)

    @Test(arguments: TrainerCheck.allCases)
    func trainerCheck(_ check: TrainerCheck) throws {
        try check.verify(on: Self.subject)
    }
}
