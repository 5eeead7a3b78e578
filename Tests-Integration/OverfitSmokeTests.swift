import Data
import MNISTData
import TensorCore
import TestKit
import TestKitTesting
import Testing
import TrainingChecks
import VAEModels

/// The reference's overfit-one-batch test, through TestKit's check: 4 samples, batch 4,
/// 500 steps, evaluation (deterministic: the latent mean, no rotation) ≤ 30, for CNNVAE at
/// bottleneck 10 (the reference's) and MLPVAE. On real MNIST when MNIST_DIR is set, otherwise on
/// generated digits written as MNIST files. Release build: a few seconds.
@Suite struct OverfitSmokeTests {
    static func fourImages() throws -> any Dataset {
        let generated = try TemporaryDirectory(prefix: "overfit")
        try SyntheticMNISTFiles.write(train: 4, test: 1, into: generated)
        // The split is read into memory here; the temporary files may go afterwards.
        let train = try MNIST(
            split: .train, collection: SyntheticMNISTFiles.offlineCollection,
            directory: realMNISTDirectory ?? generated.path)
        return try Subset(train.withTransform(ImagePipeline.reference(augment: false)), first: 4)
    }

    @Test(arguments: VAEConfiguration.Architecture.allCases)
    func overfitsOneBatch(_ architecture: VAEConfiguration.Architecture) throws {
        let subject = TrainingSubjects.vaeTrainer(
            name: "\(architecture.rawValue) VAE, d=10, 4 samples, batch 4",
            configuration: VAEConfiguration(architecture: architecture, bottleneck: 10),
            dataset: try Self.fourImages(), batchSize: 4,
            overfit: OverfitExpectation(steps: 500, maximumLoss: 30))
        try TrainerCheck.overfitOneBatch.verify(on: subject)
    }
}
