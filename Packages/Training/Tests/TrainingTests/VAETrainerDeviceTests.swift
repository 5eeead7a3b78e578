import Foundation
import TensorCore
import TestKit
import Testing
import Training
import TrainingChecks
import VAEModels

/// A model on a second device (TestKit's simulated `cuda:0`, which rejects mixed-device
/// operations as a GPU would): the trainer moves CPU batches to it and never moves the model.
@Suite struct VAETrainerDeviceTests {
    private typealias Fixture = TrainerFixture

    init() throws {
        try #require(SimulatedDevice.install() || BackendRegistry.shared.isAvailable(.cuda(0)))
    }

    @Test func theSimulatedDeviceRejectsCPUInputsForAModelOnIt() throws {
        // Without the trainer's move, the model cannot run on the loader's CPU batches.
        let model = try Fixture.configuration.makeModel(generator: RandomGenerator(seed: 1), device: .cuda(0))
        #expect(throws: TensorError.self) {
            try withTensorChecking { _ = model.forward(try Fixture.batch()) }
        }
    }

    @Test func batchesAreMovedToTheModelsDeviceForTrainingAndEvaluation() throws {
        let writer = RecordingWriter()
        let trainer = try Fixture.trainer(device: .cuda(0), writer: writer)
        #expect(trainer.device == .cuda(0))
        let summary = try trainer.trainEpoch()
        #expect(summary.steps == 3)
        #expect(summary.testLoss.isFinite)
        #expect(trainer.model.namedParameters().allSatisfy { $0.parameter.device == .cuda(0) })
        #expect(writer.images(tag: "test/1").count == 1)
        #expect(try trainer.priorSamples(count: 2).device == .cpu)
    }

    @Test func savingLeavesTheModelOnItsDeviceUnchangedAndTheCheckpointLoadsOnTheCPU() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/gpu.safetensors"
            let trainer = try Fixture.trainer(options: Fixture.options(evaluationSampling: .mean), device: .cuda(0))
            try trainer.trainStep(on: try Fixture.batch())
            let before = Fixture.parameterValues(trainer.model)
            try trainer.saveCheckpoint(to: path)

            #expect(trainer.model.namedParameters().allSatisfy { $0.parameter.device == .cuda(0) })
            #expect(Fixture.bitwiseEqual(Fixture.parameterValues(trainer.model), before))
            #expect(trainer.model.isTraining)

            let onCPU = try Fixture.trainer(modelSeed: 99, options: Fixture.options(evaluationSampling: .mean))
            try onCPU.loadCheckpoint(from: path)
            #expect(onCPU.device == .cpu)
            #expect(Fixture.bitwiseEqual(Fixture.parameterValues(onCPU.model), before))
            #expect(try onCPU.evaluate() == (try trainer.evaluate()))
        }
    }
}
