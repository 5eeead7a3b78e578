import TestKit
import TestKitTesting
import Testing
import Training
import TrainingChecks

/// TestKit's distributed checks on the VAE trainer (ranks as threads), and on the trainer with
/// the mistakes of data-parallel training planted.
@Suite struct DistributedCheckSuiteTests {
    static func subject(_ fault: VAEReplicaFault? = nil) -> DistributedSubject {
        TrainingSubjects.vaeDataParallel(
            name: "VAETrainer (MLP VAE, 12 blob images, global batch 4, \(fault.map(\.rawValue) ?? "as it is"))",
            configuration: TrainerFixture.configuration, dataset: BlobImages(count: 12, key: 1, augment: true),
            batchSize: 4, seed: 5, fault: fault)
    }

    @Test(arguments: DistributedCheck.allCases)
    func distributedCheck(_ check: DistributedCheck) throws {
        try check.verify(on: Self.subject())
    }

    @Test func anAllReduceThatAveragesDiffersFromOneProcess() throws {
        let subject = Self.subject(.reductionAverages)
        try DistributedCheck.replicasStayIdentical.verify(on: subject)
        let failure = try #require(throws: CheckFailure.self) { try DistributedCheck.matchesSingleProcess.run(on: subject) }
        #expect(failure.location.step == 0, "the logged loss, reduced with the gradients, is already halved")
        #expect(failure.location.detail == "2 ranks")
    }

    @Test func gradientsAveragedInsteadOfSummedLeaveAdamsStepsButNotItsMoments() throws {
        let subject = Self.subject(.gradientsAveraged)
        let failure = try #require(throws: CheckFailure.self) { try DistributedCheck.matchesSingleProcess.run(on: subject) }
        #expect(failure.location.parameter?.contains("exp_avg") == true, "\(failure)")
        #expect((failure.deviation?.observed ?? 0) > 0.4, "the first moment is halved")
    }

    @Test func anAllReduceThatDoesNothingLetsTheReplicasDrift() throws {
        let subject = Self.subject(.reductionSkipped)
        let drift = try #require(throws: CheckFailure.self) { try DistributedCheck.replicasStayIdentical.run(on: subject) }
        #expect(drift.location.step == 0)
        #expect(drift.message.contains("are the gradients reduced?"))
        _ = try #require(throws: CheckFailure.self) { try DistributedCheck.matchesSingleProcess.run(on: subject) }
    }

    @Test func aTrainerThatNeverJoinsReadsEverythingOnEveryRankAndEveryRankWrites() throws {
        let subject = Self.subject(.notJoined)
        let shards = try #require(throws: CheckFailure.self) { try DistributedCheck.shardsPartitionEachEpoch.run(on: subject) }
        #expect(shards.message.contains("the shards overlap"))
        let writes = try #require(throws: CheckFailure.self) { try DistributedCheck.onlyRankZeroWrites.run(on: subject) }
        #expect(writes.all.count == 2, "ranks 1 and 2 of 3")
        #expect(writes.message.contains("checkpoint"))
    }
}
