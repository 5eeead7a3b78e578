import Data
import Distributed
import Foundation
import NN
import TensorCore
import Testing
import Training
import TrainingChecks
import VAEModels

/// Data-parallel training with ranks as threads (InProcessGroup): N ranks with global batch B
/// compute what one process with batch B computes.
@Suite struct DistributedTrainingTests {
    struct RunResult: Sendable {
        var trainingLosses: [Float]
        var testLosses: [Float]
        var parameters: [String: [Float]]
        var writerCalls: Int
        var files: [String]
    }

    /// Trains `epochs` epochs with `ranks` replicas on 10 examples, global batch `batch`.
    static func run(
        ranks: Int, batch: Int = 4, epochs: Int = 2, differentStart: Bool = false, directory: String? = nil,
        trainingSet: any Dataset = TrainerFixture.trainingSet
    ) throws -> [RunResult] {
        try InProcessGroup.run(size: ranks) { group in
            let writer = RecordingWriter()
            let rankDirectory = directory.map { "\($0)/rank\(group.rank)" }
            if let rankDirectory {
                try FileManager.default.createDirectory(atPath: rankDirectory, withIntermediateDirectories: true)
            }
            let trainer = try TrainerFixture.trainer(
                modelSeed: differentStart ? 7 + UInt64(group.rank) : 7,
                options: TrainerFixture.options(batchSize: batch, outputDirectory: rankDirectory),
                trainingSet: trainingSet, writer: writer)
            try trainer.join(group)
            let summaries = try trainer.train(epochs: epochs)
            return RunResult(
                trainingLosses: writer.scalars(tag: "train/loss").map(\.value), testLosses: summaries.map(\.testLoss),
                parameters: TrainerFixture.parameterValues(trainer.model), writerCalls: writer.calls.count,
                files: rankDirectory.map { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] } ?? [])
        }
    }

    static func relativeDifference(_ a: Float, _ b: Float) -> Float { abs(a - b) / max(abs(b), 1e-12) }

    @Test(arguments: [2, 3])
    func nRanksMatchOneProcessWithTheSameGlobalBatch(ranks: Int) throws {
        let single = try Self.run(ranks: 1)[0]
        let many = try Self.run(ranks: ranks)
        #expect(many[0].trainingLosses.count == single.trainingLosses.count)
        for (a, b) in zip(many[0].trainingLosses, single.trainingLosses) { #expect(Self.relativeDifference(a, b) < 1e-5) }
        for (a, b) in zip(many[0].testLosses, single.testLosses) { #expect(Self.relativeDifference(a, b) < 1e-5) }
    }

    /// Every gradient sum over the batch is a balanced tree (a weight's through the GEMM's pairwise
    /// depth, a bias's through the column sums), and the group adds the ranks' sums pairwise: 2 and
    /// 4 equal shares of the global batch train bit for bit what one process trains, and evaluate
    /// alike (each example's error added in double). (The logged training losses are sums of each
    /// rank's own, in float: equal to rounding.)
    @Test(arguments: [2, 4])
    func equalSharesTrainBitwiseWhatOneProcessTrains(ranks: Int) throws {
        let data = BlobImages(count: 256, key: 4, augment: true)
        let single = try Self.run(ranks: 1, batch: 128, trainingSet: data)[0]
        let many = try Self.run(ranks: ranks, batch: 128, trainingSet: data)[0]
        for (name, values) in single.parameters {
            let other = many.parameters[name] ?? []
            let differing = zip(values, other).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(other.count == values.count && differing == 0, "\(name): \(differing) of \(values.count) elements differ")
        }
        #expect(
            many.testLosses.map(\.bitPattern) == single.testLosses.map(\.bitPattern), "\(many.testLosses) \(single.testLosses)")
    }

    @Test func replicasHoldBitwiseIdenticalParametersEvenFromDifferentStarts() throws {
        let results = try Self.run(ranks: 3, differentStart: true)
        #expect(results[1].parameters == results[0].parameters)
        #expect(results[2].parameters == results[0].parameters)
    }

    @Test func aGlobalBatchSmallerThanTheGroupLeavesSomeRanksIdleButStillMatches() throws {
        let single = try Self.run(ranks: 1, batch: 2, epochs: 1)[0]
        let many = try Self.run(ranks: 3, batch: 2, epochs: 1)
        for (a, b) in zip(many[0].trainingLosses, single.trainingLosses) { #expect(Self.relativeDifference(a, b) < 1e-5) }
    }

    @Test func onlyRankZeroWritesScalarsAndCheckpoints() throws {
        let directory = NSTemporaryDirectory() + "ddp-writes-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let results = try Self.run(ranks: 2, epochs: 1, directory: directory)
        #expect(results[0].writerCalls > 0)
        #expect(!results[0].files.isEmpty)
        #expect(results[1].writerCalls == 0)
        #expect(results[1].files.isEmpty)
    }
}
