import Foundation
import TensorCore
import Testing
import Training
import TrainingChecks

/// Training 2 epochs equals training 1, stopping, and resuming for 1: the same losses and weights,
/// bit for bit on the CPU.
@Suite struct ResumeTests {
    private typealias Fixture = TrainerFixture

    @Test func resumingAfterOneEpochReproducesTheUninterruptedRunBitForBit() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            // Reference sampling in evaluation, shuffling and augmentation on: every source of
            // randomness must come back from the checkpoint.
            let straightWriter = RecordingWriter()
            let straight = try Fixture.trainer(options: Fixture.options(seed: 21), writer: straightWriter)
            try straight.train(epochs: 2)

            let firstHalf = try Fixture.trainer(options: Fixture.options(seed: 21, outputDirectory: directory))
            try firstHalf.train(epochs: 1)

            // Another model initialisation, another data seed and two loader threads: all replaced
            // or irrelevant once the checkpoint is loaded.
            let resumedWriter = RecordingWriter()
            let resumed = try Fixture.trainer(
                modelSeed: 1234, options: Fixture.options(seed: 99, workers: 2), writer: resumedWriter)
            try resumed.loadCheckpoint(from: directory)
            #expect(resumed.completedEpochs == 1 && resumed.globalStep == 3)
            try resumed.train(epochs: 1)

            for tag in ["train/recon_loss", "train/kl_div_loss", "train/loss"] {
                let expected = straightWriter.scalars(tag: tag).filter { $0.step >= 3 }
                let actual = resumedWriter.scalars(tag: tag)
                #expect(actual.map(\.step) == [3, 4, 5], "\(tag)")
                #expect(actual.map(\.value.bitPattern) == expected.map(\.value.bitPattern), "\(tag)")
            }
            #expect(
                resumedWriter.scalars(tag: "test/loss").map(\.value.bitPattern)
                    == straightWriter.scalars(tag: "test/loss").filter { $0.step == 1 }.map(\.value.bitPattern))
            #expect(resumedWriter.images(tag: "test/0") == straightWriter.images(tag: "test/0").filter { $0.step == 1 })
            #expect(Fixture.bitwiseEqual(Fixture.parameterValues(resumed.model), Fixture.parameterValues(straight.model)))
            #expect(resumed.generator.snapshot == straight.generator.snapshot)
        }
    }

    @Test func theDataSeedOfTheCheckpointDecidesTheOrderAfterResuming() throws {
        // Without the checkpoint's seed the resumed epoch would see other batches: the control
        // that shows the test above can fail.
        let a = try Fixture.trainer(options: Fixture.options(seed: 21))
        let b = try Fixture.trainer(options: Fixture.options(seed: 99))
        try a.trainEpoch()
        try b.trainEpoch()
        #expect(!Fixture.bitwiseEqual(Fixture.parameterValues(a.model), Fixture.parameterValues(b.model)))
    }
}
