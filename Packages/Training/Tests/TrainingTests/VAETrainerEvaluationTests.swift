import Foundation
import TensorCore
import Testing
import Training
import TrainingChecks
import VAEModels

/// The reference's evaluation: Σ reconstruction error / test examples, in evaluation mode, without
/// gradients, changing nothing.
@Suite struct VAETrainerEvaluationTests {
    private typealias Fixture = TrainerFixture

    @Test func evaluationRunsInEvalModeWithoutGradientsAndRestoresTheMode() throws {
        let probe = ProbeVAE(inner: MLPVAE(configuration: Fixture.configuration, generator: RandomGenerator(seed: 5)))
        let trainer = try VAETrainer(
            model: probe, trainingSet: Fixture.trainingSet, testSet: Fixture.testSet,
            options: Fixture.options(), generator: RandomGenerator(seed: 6), writer: RecordingWriter())
        try trainer.trainStep(on: try Fixture.batch())
        let training = probe.observations
        #expect(training == [ProbeVAE.Observation(training: true, gradients: true)])

        _ = try trainer.evaluate()
        // 6 test examples in batches of 4: two forward passes, both in eval mode without gradients.
        #expect(
            Array(probe.observations.dropFirst(training.count))
                == Array(repeating: .init(training: false, gradients: false), count: 2))
        #expect(probe.isTraining)
        probe.eval()
        _ = try trainer.evaluate()
        #expect(!probe.isTraining)
    }

    @Test func evaluationIsTheSumOfReconstructionErrorsPerTestExample() throws {
        let trainer = try Fixture.trainer(options: Fixture.options(evaluationSampling: .mean))
        try trainer.trainStep(on: try Fixture.batch())
        let evaluation = try trainer.evaluate()

        let inputs = try Fixture.batch(Fixture.testSet, count: 6)
        let reconstruction = trainer.model.forward(inputs, sampling: .mean).reconstruction.scalars
        let sum = zip(reconstruction, inputs.scalars).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        #expect(abs(Double(evaluation) - sum / 6) <= 1e-5 * sum / 6)
    }

    @Test func evaluationChangesNoParameterAndNoOptimizerState() throws {
        let trainer = try Fixture.trainer()
        try trainer.trainStep(on: try Fixture.batch())
        let parameters = Fixture.parameterValues(trainer.model)
        let moments = trainer.optimizer.state().tensors.mapValues(\.scalars)
        _ = try trainer.evaluate()
        _ = try trainer.reconstructTestExamples(count: 2)
        #expect(Fixture.bitwiseEqual(Fixture.parameterValues(trainer.model), parameters))
        #expect(trainer.optimizer.state().tensors.mapValues(\.scalars) == moments)
        #expect(trainer.globalStep == 1)
    }

    @Test func referenceEvaluationSamplesNoiseAndDeterministicEvaluationDoesNot() throws {
        let sampled = try Fixture.trainer()
        #expect(try sampled.evaluate() != (try sampled.evaluate()))
        let deterministic = try Fixture.trainer(options: Fixture.options(evaluationSampling: .mean))
        let state = deterministic.generator.snapshot
        #expect(try deterministic.evaluate() == (try deterministic.evaluate()))
        #expect(deterministic.generator.snapshot == state)
    }
}
