import Testing
import TestKit

@Suite("Distributed checks")
struct DistributedCheckTests {
    static func subject(
        _ defect: TinyReplica.Defect = .none,
        sampler: TinySamplers.Sampler? = TinySamplers.correct(count: TinyReplica.exampleCount)
    ) -> DistributedSubject {
        DistributedSubject(
            name: "tiny data-parallel regression (\(defect))", exampleCount: TinyReplica.exampleCount, timeoutSeconds: 20,
            sampler: sampler,
            makeReplica: { group, directory in try TinyReplica(group: group, directory: directory, defect: defect) })
    }

    @Test("a correct data-parallel trainer passes every check", arguments: DistributedCheck.allCases)
    func correctTrainerPasses(_ check: DistributedCheck) {
        expectPasses(check, on: Self.subject())
    }

    @Test("a sampler that ignores the epoch (the forgotten set_epoch) repeats one order")
    func samplerWithoutEpoch() throws {
        let subject = Self.subject(sampler: TinySamplers.withoutEpoch(count: TinyReplica.exampleCount))
        let failure = try #require(expectFailure(of: DistributedCheck.orderChangesBetweenEpochs, on: subject))
        #expect(failure.message.contains("same order"))
        #expect(failure.all.count == 2, "both world sizes fail")
        expectPasses(DistributedCheck.shardsPartitionEachEpoch, on: subject)
    }

    @Test("shards that overlap are named with an example read twice")
    func overlappingShards() throws {
        let subject = Self.subject(sampler: TinySamplers.overlapping(count: TinyReplica.exampleCount))
        let failure = try #require(expectFailure(of: DistributedCheck.shardsPartitionEachEpoch, on: subject))
        #expect(failure.message.contains("the shards overlap"))
        #expect(failure.location.sample != nil)
        #expect(failure.location.step == 0)
    }

    @Test("ranks shuffling with their own seeds read some examples twice and others never")
    func shardsSeededByRank() throws {
        let subject = Self.subject(sampler: TinySamplers.seededByRank(count: TinyReplica.exampleCount))
        let failure = try #require(expectFailure(of: DistributedCheck.shardsPartitionEachEpoch, on: subject))
        #expect(failure.all.contains { $0.message.contains("read by no rank") })
    }

    @Test("gradients that are not reduced make the replicas drift apart after the first step")
    func gradientsNotReduced() throws {
        let subject = Self.subject(.gradientsNotReduced)
        let failure = try #require(expectFailure(of: DistributedCheck.replicasStayIdentical, on: subject))
        #expect(failure.location.step == 0)
        #expect(failure.message.contains("are the gradients reduced?"))
        let match = try #require(expectFailure(of: DistributedCheck.matchesSingleProcess, on: subject))
        #expect(match.location.step == 1, "step 0's loss is computed before any update")
    }

    @Test("gradients averaged instead of summed keep the replicas identical but differ from one process")
    func gradientsAveraged() throws {
        let subject = Self.subject(.gradientsAveraged)
        expectPasses(DistributedCheck.replicasStayIdentical, on: subject)
        let failure = try #require(expectFailure(of: DistributedCheck.matchesSingleProcess, on: subject))
        #expect(failure.location.step == 1)
        #expect(failure.location.detail == "2 ranks")
        #expect((failure.deviation?.observed ?? 0) > 1e-5)
    }

    @Test("replicas that start from their own weights are caught before the first step")
    func noInitialBroadcast() throws {
        let failure = try #require(
            expectFailure(of: DistributedCheck.replicasStayIdentical, on: Self.subject(.noInitialBroadcast)))
        #expect(failure.location.step == nil)
        #expect(failure.message.contains("when the replicas are made"))
        #expect(failure.location.parameter == "linear.weight")
    }

    @Test("a rank other than 0 that writes a file is named")
    func everyRankWrites() throws {
        let failure = try #require(expectFailure(of: DistributedCheck.onlyRankZeroWrites, on: Self.subject(.everyRankWrites)))
        #expect(failure.all.count == 2, "ranks 1 and 2 of 3")
        #expect(failure.message.contains("rank 1 wrote 1 files"))
        #expect(failure.message.contains("checkpoint-0.txt"))
    }

    @Test("a harness that calls afterStep more often than it steps is refused, not trusted")
    func afterStepOnceMore() throws {
        let failure = try #require(
            expectFailure(of: DistributedCheck.replicasStayIdentical, on: Self.subject(.afterStepOnceMore)))
        #expect(failure.message.contains("reported 3 step losses but called afterStep 4 times"))
    }

    @Test("without a sampler or replicas the checks that need them are skipped")
    func missingParts() throws {
        let subject = DistributedSubject(name: "nothing", exampleCount: 12)
        for check in DistributedCheck.allCases {
            #expect(try check.run(on: subject).isSkipped)
        }
    }

    @Test("a replica that throws on one rank fails the check with that rank's error, not a hang")
    func rankThrows() throws {
        struct Refused: Error {}
        let subject = DistributedSubject(
            name: "rank 1 throws", exampleCount: 12, timeoutSeconds: 5,
            makeReplica: { group, directory in
                if group.rank == 1 { throw Refused() }
                return try TinyReplica(group: group, directory: directory)
            })
        let failure = try #require(expectFailure(of: DistributedCheck.replicasStayIdentical, on: subject))
        #expect(failure.message.contains("Refused"))
        #expect(failure.location.detail == "2 ranks, rank 1")
    }
}
