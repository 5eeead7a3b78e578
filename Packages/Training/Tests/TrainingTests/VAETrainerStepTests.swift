import Foundation
import NN
import TensorCore
import Testing
import Training
import TrainingChecks
import VAEModels

/// One training step against a computation written out by hand from the model's parts.
@Suite struct VAETrainerStepTests {
    private typealias Fixture = TrainerFixture

    @Test func oneStepLossesAndUpdateMatchAHandComputation() throws {
        let trainer = try Fixture.trainer()
        let model = trainer.model
        let batch = try Fixture.batch()
        let x = batch.scalars
        let before = model.copy()
        let noiseState = trainer.generator.snapshot

        let losses = try trainer.trainStep(on: batch)

        // Forward pass by hand: encoder outputs, z = exp(logSigma)·ε + mu with the trainer's noise.
        let (mu, logSigma) = before.encode(batch)
        let noise = Tensor.randn([4, 4], generator: RandomGenerator(seed: 0).restored(noiseState)).scalars
        let z = zip(zip(mu.scalars, logSigma.scalars), noise).map { pair, epsilon in exp(pair.1) * epsilon + pair.0 }
        let reconstruction = before.decode(Tensor(shape: [4, 4], scalars: z)).scalars
        let recon = zip(reconstruction, x).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        let kl =
            0.5
            * zip(mu.scalars, logSigma.scalars).reduce(0.0) { sum, pair in
                let (m, s) = (Double(pair.0), Double(pair.1))
                return sum + exp(2 * s) + m * m - 1 - 2 * s
            }
        #expect(losses.samples == 4)
        #expect(abs(Double(losses.reconstruction) - recon) <= 1e-5 * recon)
        #expect(abs(Double(losses.kl) - kl) <= 1e-4 * max(kl, 1))
        #expect(abs(Double(losses.total) - (recon + kl)) <= 1e-5 * (recon + kl))

        // Adam's first step with lr 1e-3: p ← p − lr · g / (|g| + 1e-8), g from the same loss.
        let reference = before.copy()
        let output = reference.forward(batch, generator: RandomGenerator(seed: 0).restored(noiseState))
        VAELoss.terms(output, target: batch).total.backward()
        let after = Fixture.parameterValues(model)
        var compared = 0
        for (name, parameter) in reference.namedParameters() {
            let gradient = try #require(parameter.grad, "no gradient for \(name)").scalars
            for (index, (old, new)) in zip(parameter.value.scalars, try #require(after[name])).enumerated() {
                let g = Double(gradient[index])
                let expected = Double(old) - 1e-3 * g / (abs(g) + 1e-8)
                #expect(abs(Double(new) - expected) <= 1e-6, "\(name)[\(index)]: \(new) vs \(expected)")
                compared += 1
            }
        }
        #expect(compared == model.parameterCount)
    }

    @Test func stepsLogTheThreeLossesAtTheGlobalStep() throws {
        let writer = RecordingWriter()
        let trainer = try Fixture.trainer(writer: writer)
        let batch = try Fixture.batch()
        let losses = try (0..<3).map { _ in try trainer.trainStep(on: batch) }

        #expect(trainer.globalStep == 3)
        #expect(writer.scalars(tag: "train/recon_loss") == losses.enumerated().map { .init(step: $0, value: $1.reconstruction) })
        #expect(writer.scalars(tag: "train/kl_div_loss") == losses.enumerated().map { .init(step: $0, value: $1.kl) })
        #expect(writer.scalars(tag: "train/loss") == losses.enumerated().map { .init(step: $0, value: $1.total) })
        #expect(writer.tags == ["train/kl_div_loss", "train/loss", "train/recon_loss"])
        // Training on one batch lowers its loss.
        #expect(losses[2].total < losses[0].total)
    }

    @Test func misshapenInputsAreAThrownErrorNamingTheStep() throws {
        let trainer = try Fixture.trainer()
        #expect {
            try trainer.trainStep(on: Tensor.zeros([2, 1, 4, 4]))
        } throws: { error in
            guard case .tensorFailure(let stage, _) = error as? TrainingError else { return false }
            return stage == "training step 0"
        }
        #expect(trainer.globalStep == 0)
    }

    @Test func datasetsOfTheWrongShapeAreRejectedAtConstruction() throws {
        let wrong = VAEConfiguration(architecture: .mlp, inputShape: [1, 4, 4], bottleneck: 4)
        #expect(throws: TrainingError.inputShapeMismatch(role: "training set", found: [1, 8, 8], model: wrong)) {
            try Fixture.trainer(configuration: wrong)
        }
        #expect(throws: TrainingError.emptyDataset(role: "test set")) {
            try Fixture.trainer(testSet: BlobImages(count: 0, key: 2))
        }
        var options = Fixture.options()
        options.batchSize = 0
        #expect(throws: TrainingError.invalidOption(name: "batchSize", value: "0", requirement: "must be ≥ 1")) {
            try Fixture.trainer(options: options)
        }
    }
}

extension RandomGenerator {
    /// This generator set to `state` (for replaying a trainer's noise).
    func restored(_ state: RandomGeneratorState) -> RandomGenerator {
        snapshot = state
        return self
    }
}
