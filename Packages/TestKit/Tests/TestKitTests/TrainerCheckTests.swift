import Testing
import TestKit

@Suite("Trainer checks")
struct TrainerCheckTests {
    static func subject(_ defect: TinyRegressionTrainer.Defect = .none, seed: UInt64 = 0) -> TrainerSubject {
        TrainerSubject(
            name: "tiny regression (\(defect))", seed: seed,
            expectedEpochEvents: TinyRegressionTrainer.expectedEvents(epoch:),
            overfit: OverfitExpectation(steps: 150, maximumLoss: 1e-3)
        ) { seed in
            TinyRegressionTrainer(seed: seed, defect: defect)
        }
    }

    @Test("a correct trainer passes every check", arguments: TrainerCheck.allCases)
    func correctTrainerPasses(_ check: TrainerCheck) {
        expectPasses(check, on: Self.subject())
    }

    @Test("a logging tag typo is named with the tag it was meant to be")
    func tagTypo() throws {
        let failure = try #require(expectFailure(of: TrainerCheck.loggingContract, on: Self.subject(.tagTypo)))
        #expect(failure.location.tag == "train/los")
        #expect(failure.message.contains("did you mean 'train/loss'?"))
        #expect(failure.all.contains { $0.location.tag == "train/loss" && $0.message.contains("never logged") })
    }

    @Test("a global step that restarts every epoch breaks the logging contract in epoch 1")
    func stepCounterRestarts() throws {
        let failure = try #require(expectFailure(of: TrainerCheck.loggingContract, on: Self.subject(.stepCounterRestarts)))
        #expect(failure.location.tag == "train/loss")
        #expect(failure.message.contains("epoch 1"))
        #expect(failure.message.contains("missing at steps 2…3"))
    }

    @Test("a trainer that learns nothing fails the overfitting check")
    func frozen() throws {
        let failure = try #require(expectFailure(of: TrainerCheck.overfitOneBatch, on: Self.subject(.frozen)))
        #expect(failure.location.step == 150)
        #expect((failure.deviation?.observed ?? 0) > 1e-3)
    }

    @Test("a checkpoint without the optimiser's momentum fails resume determinism but not the round trip")
    func checkpointWithoutMomentum() throws {
        let subject = Self.subject(.checkpointWithoutMomentum)
        expectPasses(TrainerCheck.checkpointRoundTrip, on: subject)
        let failure = try #require(expectFailure(of: TrainerCheck.resumeDeterminism, on: subject))
        #expect(failure.all.map(\.location.parameter) == ["linear.weight", "linear.bias"])
    }

    @Test("a checkpoint without the seed fails resume determinism: the resumed run shuffles differently")
    func checkpointWithoutSeed() throws {
        let failure = try #require(expectFailure(of: TrainerCheck.resumeDeterminism, on: Self.subject(.checkpointWithoutSeed)))
        #expect(failure.location.parameter == "linear.weight")
    }

    @Test("evaluation that trains is caught, naming the parameters it changed")
    func evaluationTrains() throws {
        let failure = try #require(
            expectFailure(of: TrainerCheck.evaluationChangesNoParameter, on: Self.subject(.evaluationTrains)))
        #expect(Set(failure.all.compactMap(\.location.parameter)) == ["linear.weight", "linear.bias"])
    }

    @Test("evaluation with noise is caught as not deterministic")
    func noisyEvaluation() throws {
        let failure = try #require(
            expectFailure(of: TrainerCheck.evaluationChangesNoParameter, on: Self.subject(.noisyEvaluation)))
        #expect(failure.message.contains("not deterministic"))
    }

    @Test("a declared skip is reported with its reason")
    func declaredSkip() throws {
        var subject = Self.subject()
        subject.skipped[.resumeDeterminism] = "this trainer cannot resume"
        #expect(try TrainerCheck.resumeDeterminism.run(on: subject) == .skipped("this trainer cannot resume"))
    }

    @Test("a checkpoint that loses a parameter fails the round trip, naming the parameter")
    func checkpointDropsBias() throws {
        let failure = try #require(expectFailure(of: TrainerCheck.checkpointRoundTrip, on: Self.subject(.checkpointDropsBias)))
        #expect(failure.all.map(\.location.parameter) == ["linear.bias"])
        #expect(failure.message.contains("after loading the checkpoint"))
    }
}
