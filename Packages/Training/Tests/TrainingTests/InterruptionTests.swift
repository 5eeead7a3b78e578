import Synchronization
import Testing
import Training

/// A stop request (vae-train's SIGINT and SIGTERM) ends training before the next step with a
/// typed error, leaving the last completed epoch as it was.
@Suite struct InterruptionTests {
    @Test func aStopRequestEndsTrainingBeforeTheNextStep() throws {
        let trainer = try TrainerFixture.trainer()
        try trainer.train(epochs: 1)
        let asked = Counter()
        trainer.stopRequested = { asked.value.add(1, ordering: .relaxed).newValue > 2 }
        #expect(throws: TrainingError.interrupted(epoch: 1, step: 5)) { try trainer.train(epochs: 1) }
        #expect(trainer.completedEpochs == 1 && trainer.globalStep == 5)
        #expect(TrainingError.interrupted(epoch: 1, step: 5).description.contains("before step 5 (epoch 1)"))
    }
}

/// A counter shared with a `@Sendable` closure.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
