import Foundation
import NN
import TensorCore
import Testing
import Training
import VAEModels

/// Checkpoints: what they hold, round trips, atomic writes, and refusing the wrong model.
@Suite struct CheckpointTests {
    private typealias Fixture = TrainerFixture

    @Test func aRoundTripRestoresModelOptimizerAndTrainingState() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/round-trip.safetensors"
            let original = try Fixture.trainer(options: Fixture.options(seed: 11))
            try original.train(epochs: 1)
            try original.saveCheckpoint(to: path)

            let restored = try Fixture.trainer(modelSeed: 123, options: Fixture.options(seed: 12))
            try restored.loadCheckpoint(from: path)
            #expect(Fixture.bitwiseEqual(Fixture.parameterValues(restored.model), Fixture.parameterValues(original.model)))
            let (saved, loaded) = (original.optimizer.state(), restored.optimizer.state())
            #expect(loaded.stepCount == saved.stepCount && loaded.hyperparameters == saved.hyperparameters)
            #expect(loaded.tensors.mapValues(\.scalars) == saved.tensors.mapValues(\.scalars))
            #expect(restored.completedEpochs == 1 && restored.globalStep == 3)
            #expect(restored.options.seed == 11)
            #expect(restored.generator.snapshot == original.generator.snapshot)
        }
    }

    @Test func theMetadataDescribesTheRun() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/info.safetensors"
            let trainer = try Fixture.trainer(options: Fixture.options(seed: 0xFFFF_FFFF_FFFF_FFF0, evaluationSampling: .mean))
            try trainer.train(epochs: 1)
            try trainer.saveCheckpoint(to: path)

            let info = try TrainingCheckpoint.readInfo(from: path)
            #expect(
                info
                    == TrainingCheckpoint.Info(
                        configuration: Fixture.configuration, completedEpochs: 1, globalStep: 3,
                        seed: 0xFFFF_FFFF_FFFF_FFF0, generator: trainer.generator.snapshot,
                        batchSize: 4, evaluationSampling: .mean, stepsPerEpoch: 3))
            let header = try SafeTensors.readHeader(path)
            #expect(header.metadata["format"] == TrainingCheckpoint.format)
            #expect(header.metadata["configuration"] == #"{"architecture":"mlp","bottleneck":4,"inputShape":[1,8,8]}"#)
            #expect(header.metadata["optimizer"] == "Adam")
            #expect(header.metadata["optimizer_step_count"] == "3")
            let names = Set(header.entries.map(\.name))
            let parameters = trainer.model.stateDictKeys
            #expect(
                names
                    == Set(
                        parameters.map { "model." + $0 }
                            + parameters.flatMap {
                                ["optimizer.\($0).exp_avg", "optimizer.\($0).exp_avg_sq", "optimizer.\($0).step"]
                            }))
        }
    }

    @Test func writingReplacesTheFileAtomicallyAndLeavesNoTemporaryFile() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/checkpoint.safetensors"
            let trainer = try Fixture.trainer()
            try trainer.saveCheckpoint(to: path)
            try trainer.trainStep(on: try Fixture.batch())
            try trainer.saveCheckpoint(to: path)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["checkpoint.safetensors"])
            #expect(try TrainingCheckpoint.readInfo(from: path).globalStep == 1)
        }
    }

    @Test func aCheckpointOfAnotherModelIsRefusedNamingBothConfigurations() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/mlp.safetensors"
            try Fixture.trainer().saveCheckpoint(to: path)

            let cnnConfiguration = VAEConfiguration(architecture: .cnn, inputShape: [1, 8, 8], bottleneck: 4)
            let smaller = VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 3)
            for other in [cnnConfiguration, smaller] {
                let trainer = try Fixture.trainer(configuration: other)
                let parameters = Fixture.parameterValues(trainer.model)
                #expect(
                    throws: CheckpointError.configurationMismatch(file: path, checkpoint: Fixture.configuration, model: other)
                ) {
                    try trainer.loadCheckpoint(from: path)
                }
                #expect(Fixture.bitwiseEqual(Fixture.parameterValues(trainer.model), parameters))
                #expect(trainer.globalStep == 0)
            }
            let message = CheckpointError.configurationMismatch(
                file: path, checkpoint: Fixture.configuration, model: cnnConfiguration
            ).description
            #expect(message.contains("mlp VAE, input [1, 8, 8], bottleneck 4"))
            #expect(message.contains("cnn VAE, input [1, 8, 8], bottleneck 4"))
        }
    }

    @Test func aSafetensorsFileThatIsNoCheckpointIsNamedAsSuch() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/weights.safetensors"
            try SafeTensors.write(["w": Tensor([1, 2])], to: path)
            #expect(throws: CheckpointError.notACheckpoint(file: path, reason: "its metadata has no 'format' entry")) {
                try Fixture.trainer().loadCheckpoint(from: path)
            }
            let missing = directory + "/absent.safetensors"
            #expect {
                try Fixture.trainer().loadCheckpoint(from: missing)
            } throws: { error in
                guard case .file(let underlying) = error as? CheckpointError else { return false }
                return underlying.file == missing
            }
        }
    }

    @Test func aCheckpointWithMissingTensorsChangesNothing() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/damaged.safetensors"
            let source = try Fixture.trainer(modelSeed: 8)
            try source.trainStep(on: try Fixture.batch())
            var damaged = source.checkpoint()
            damaged.modelState["decoder.6.bias"] = nil
            try damaged.write(to: path)

            let trainer = try Fixture.trainer()
            try trainer.trainStep(on: try Fixture.batch())
            let parameters = Fixture.parameterValues(trainer.model)
            let moments = trainer.optimizer.state().tensors.mapValues(\.scalars)
            #expect(throws: CheckpointError.modelState(file: path, StateDictError(missingKeys: ["decoder.6.bias"]))) {
                try trainer.loadCheckpoint(from: path)
            }
            #expect(Fixture.bitwiseEqual(Fixture.parameterValues(trainer.model), parameters))
            #expect(trainer.optimizer.state().tensors.mapValues(\.scalars) == moments)

            var noMoments = source.checkpoint()
            noMoments.optimizerState.tensors["encoder.1.weight.exp_avg"] = nil
            try noMoments.write(to: path)
            #expect(throws: CheckpointError.optimizerState(file: path, .missingKey("encoder.1.weight.exp_avg"))) {
                try trainer.loadCheckpoint(from: path)
            }
            #expect(Fixture.bitwiseEqual(Fixture.parameterValues(trainer.model), parameters))
        }
    }

    @Test func aDirectoryResolvesToItsLatestCheckpoint() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            #expect(throws: CheckpointError.noCheckpoint(directory: directory)) { try CheckpointFiles.resolve(directory) }
            for epoch in [0, 9, 10, 2] {
                try TrainingTestSupport.write([0], to: CheckpointFiles.path(in: directory, epoch: epoch))
            }
            try TrainingTestSupport.write([0], to: directory + "/checkpoint_latest.safetensors")
            #expect(try CheckpointFiles.resolve(directory) == directory + "/checkpoint_010.safetensors")
            #expect(
                try CheckpointFiles.resolve(directory + "/checkpoint_002.safetensors") == directory
                    + "/checkpoint_002.safetensors")
            #expect(CheckpointFiles.name(epoch: 1234) == "checkpoint_1234.safetensors")
        }
    }
}
