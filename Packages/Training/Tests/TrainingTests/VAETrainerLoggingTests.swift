import Foundation
import TensorCore
import Testing
import Training
import TrainingChecks

/// The logging contract of the reference trainer, recorded by a ``RecordingWriter``, and the files
/// written per epoch.
@Suite struct VAETrainerLoggingTests {
    private typealias Fixture = TrainerFixture

    @Test func twoEpochsLogEveryStepAndEpochExactlyOnce() throws {
        let writer = RecordingWriter()
        let trainer = try Fixture.trainer(writer: writer)
        let summaries = try trainer.train(epochs: 2)

        // 10 examples in batches of 4: 3 steps per epoch, global steps 0…5.
        for tag in ["train/recon_loss", "train/kl_div_loss", "train/loss"] {
            #expect(writer.scalars(tag: tag).map(\.step) == Array(0..<6), "\(tag)")
        }
        #expect(writer.scalars(tag: "test/loss") == summaries.map { .init(step: $0.epoch, value: $0.testLoss) })
        #expect(writer.tags == ["test/0", "test/1", "test/loss", "train/kl_div_loss", "train/loss", "train/recon_loss"])
        for tag in ["test/0", "test/1"] {
            let images = writer.images(tag: tag)
            #expect(images.map(\.step) == [0, 1], "\(tag)")
            // input | reconstruction side by side: 8 high, 16 wide, grayscale.
            #expect(images.allSatisfy { $0.image.width == 16 && $0.image.height == 8 && $0.image.format == .gray })
        }
        #expect(summaries.map(\.steps) == [3, 3])
        #expect(summaries.map(\.samples) == [10, 10])
        // The epoch's mean training loss is the sum of its step losses per example.
        let epoch0 = writer.scalars(tag: "train/loss").prefix(3).reduce(0.0) { $0 + Double($1.value) }
        #expect(abs(summaries[0].meanTrainingLoss - epoch0 / 10) <= 1e-9 * epoch0)
        #expect(trainer.completedEpochs == 2 && trainer.globalStep == 6)
        #expect(writer.calls.contains(.flush))
    }

    @Test func theComparisonImageShowsTheInputBesideItsReconstruction() throws {
        let writer = RecordingWriter()
        let trainer = try Fixture.trainer(
            options: Fixture.options(evaluationSampling: .mean, comparisonImages: 1), writer: writer)
        try trainer.trainEpoch()
        let logged = try #require(writer.images(tag: "test/0").first).image.decodedPixels()
        let (inputs, reconstructions) = try trainer.reconstructTestExamples(count: 1)
        let expected = try ImageGrid.pair(
            input: inputs.selected(axis: 0, index: 0),
            reconstruction: reconstructions.selected(axis: 0, index: 0))
        #expect(logged == expected)
        #expect(inputs.scalars == (try Fixture.batch(Fixture.testSet, count: 1)).scalars)
    }

    @Test func anOutputDirectoryGetsACheckpointAndImageGridsPerEpoch() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let writer = RecordingWriter()
            let trainer = try Fixture.trainer(
                options: Fixture.options(logsImageGrids: true, outputDirectory: directory), writer: writer)
            try trainer.train(epochs: 2)

            let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(
                files == [
                    "checkpoint_000.safetensors", "checkpoint_001.safetensors",
                    "reconstructions_000.png", "reconstructions_001.png", "samples_000.png", "samples_001.png",
                ])
            for name in ["reconstructions", "samples"] {
                let logged = writer.images(tag: "images/\(name)")
                #expect(logged.map(\.step) == [0, 1])
                let onDisk = try PNGDecoder.decode(TrainingTestSupport.bytes(directory + "/\(name)_001.png"))
                #expect(try logged[1].image.decodedPixels() == onDisk)
            }
            // 2 pairs in one row, 6 prior samples in one row of 8x8 tiles, 2 pixels of padding.
            let reconstructions = try PNGDecoder.decode(TrainingTestSupport.bytes(directory + "/reconstructions_000.png"))
            #expect((reconstructions.width, reconstructions.height) == (2 * 18 + 2, 12))
            let samples = try PNGDecoder.decode(TrainingTestSupport.bytes(directory + "/samples_000.png"))
            #expect((samples.width, samples.height) == (6 * 10 + 2, 12))
            #expect(try TrainingCheckpoint.readInfo(from: directory + "/checkpoint_001.safetensors").completedEpochs == 2)
            // The grids get the mode of every other file (mkstemp's 0600 made them private).
            let mode = { (name: String) throws -> Int in
                try (FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.posixPermissions] as? Int) ?? -1
            }
            #expect(try mode("samples_000.png") == mode("checkpoint_000.safetensors"))
            #expect(try mode("reconstructions_001.png") == mode("checkpoint_000.safetensors"))
        }
    }

    @Test func priorSamplesUseFixedCodesAndLeaveTheNoiseGeneratorAlone() throws {
        let trainer = try Fixture.trainer()
        let state = trainer.generator.snapshot
        let first = try trainer.priorSamples(count: 3)
        let second = try trainer.priorSamples(count: 3)
        #expect(first.shape == [3, 1, 8, 8])
        #expect(first.scalars == second.scalars)
        #expect(trainer.generator.snapshot == state)
    }
}
