import Data
import Distributed
import FoundationEssentials
import TensorCore
import TestKit

/// One rank of a complete little data-parallel trainer in plain Swift — linear regression on 12
/// examples, plain SGD on the summed squared error, global batch 4 (3 steps per epoch) sharded
/// with ``Data/DistributedSampler``, gradients summed over the ranks, a text checkpoint per epoch
/// written by rank 0 — with switchable defects, for testing the distributed checks.
final class TinyReplica: ReplicaHarness {
    enum Defect: Sendable, Equatable {
        case none
        /// The gradients are not reduced: each rank steps on its own shard's gradient.
        case gradientsNotReduced
        /// The gradients are averaged over the ranks instead of summed (for a summed loss).
        case gradientsAveraged
        /// Each rank starts from its own initial weights and nothing is broadcast.
        case noInitialBroadcast
        /// Every rank writes its checkpoint, not only rank 0.
        case everyRankWrites
        /// The harness reports one step more than it takes (a hook also called at the epoch's end).
        case afterStepOnceMore
    }

    static let exampleCount = 12
    static let globalBatch = 4
    static let inputs: [[Float]] = (0..<exampleCount).map { i in
        var stream = PhiloxStream(key: PhiloxKey(seed: 31, stream: UInt64(i)))
        return (0..<3).map { _ in stream.nextUniform(in: -1, 1) }
    }
    static let targets: [Float] = inputs.map { 0.5 * $0[0] - 1.5 * $0[1] + 0.25 * $0[2] + 0.75 }

    let group: ProcessGroup
    let directory: String
    let defect: Defect
    private let sampler: DistributedSampler
    private var weights: [Float]
    private var bias: Float
    private var epoch = 0
    private let learningRate: Float = 0.05

    init(group: ProcessGroup, directory: String, defect: Defect = .none) throws {
        self.group = group
        self.directory = directory
        self.defect = defect
        sampler = try DistributedSampler(
            count: Self.exampleCount, globalBatchSize: Self.globalBatch, rank: group.rank, worldSize: group.size,
            shuffle: true, seed: 11)
        var stream = PhiloxStream(key: PhiloxKey(seed: 99 + (defect == .noInitialBroadcast ? UInt64(group.rank) : 0), stream: 0))
        weights = (0..<3).map { _ in stream.nextUniform(in: -1, 1) }
        bias = stream.nextUniform(in: -1, 1)
        if defect != .noInitialBroadcast {
            var state = weights + [bias]
            try group.broadcast(&state, root: 0)
            weights = Array(state[0..<3])
            bias = state[3]
        }
    }

    func trainEpoch(afterStep: (Int) throws -> Void) throws -> [Float] {
        var losses: [Float] = []
        for (step, batch) in sampler.batches(epoch: epoch).enumerated() {
            // Local sums over this rank's share: gradient of Σ (ŷ − y)², and the loss.
            var gradient: [Float] = [0, 0, 0, 0]
            var loss: [Float] = [0]
            for index in batch {
                let x = Self.inputs[index]
                let error = zip(weights, x).map { $0 * $1 }.reduce(bias, +) - Self.targets[index]
                for j in 0..<3 { gradient[j] += 2 * error * x[j] }
                gradient[3] += 2 * error
                loss[0] += error * error
            }
            switch defect {
            case .gradientsNotReduced: break
            case .gradientsAveraged: try group.allReduce(&gradient, .average)
            default: try group.allReduce(&gradient, .sum)
            }
            try group.allReduce(&loss, .sum)
            for j in 0..<3 { weights[j] -= learningRate * gradient[j] }
            bias -= learningRate * gradient[3]
            losses.append(loss[0])
            try afterStep(step)
        }
        if defect == .afterStepOnceMore { try afterStep(losses.count) }
        if group.isMain || defect == .everyRankWrites {
            let text = "epoch \(epoch): weights \(weights) bias \(bias)\n"
            let path = directory + "/checkpoint-\(epoch).txt"
            guard FileManager.default.createFile(atPath: path, contents: FoundationEssentials.Data(text.utf8)) else {
                throw CheckFailure("cannot write \(path)")
            }
        }
        epoch += 1
        return losses
    }

    /// Mean squared error over all 12 examples (every rank computes it alone).
    func evaluate() throws -> Float {
        let errors = zip(Self.inputs, Self.targets).map { x, y in
            let error = zip(weights, x).map { $0 * $1 }.reduce(bias, +) - y
            return error * error
        }
        return errors.reduce(0, +) / Float(errors.count)
    }

    func namedParameters() -> [(name: String, value: Tensor)] {
        [("linear.weight", Tensor(shape: [1, 3], scalars: weights)), ("linear.bias", Tensor(shape: [1], scalars: [bias]))]
    }
}

/// Samplers for the sampler checks: the real one and the classic mistakes.
enum TinySamplers {
    typealias Sampler = @Sendable (_ rank: Int, _ worldSize: Int, _ epoch: Int) throws -> [Int]

    /// ``Data/DistributedSampler`` over `count` examples, global batch 4.
    static func correct(count: Int) -> Sampler {
        { rank, size, epoch in
            try DistributedSampler(count: count, globalBatchSize: 4, rank: rank, worldSize: size, shuffle: true, seed: 11)
                .indices(epoch: epoch)
        }
    }

    /// The forgotten `set_epoch`: every epoch is drawn as epoch 0.
    static func withoutEpoch(count: Int) -> Sampler {
        { rank, size, _ in
            try DistributedSampler(count: count, globalBatchSize: 4, rank: rank, worldSize: size, shuffle: true, seed: 11)
                .indices(epoch: 0)
        }
    }

    /// Each rank shuffles with its own seed and takes every `size`-th example of its own order: the
    /// shards overlap and miss examples.
    static func seededByRank(count: Int) -> Sampler {
        { rank, size, epoch in
            let order = try DistributedSampler(
                count: count, globalBatchSize: count, rank: 0, worldSize: 1, shuffle: true, seed: 11 + UInt64(rank)
            ).indices(epoch: epoch)
            return stride(from: rank, to: count, by: size).map { order[$0] }
        }
    }

    /// Shares cut with ⌈n/N⌉ per rank from each rank's start ⌊r·n/N⌋: neighbours share an example.
    static func overlapping(count: Int) -> Sampler {
        { rank, size, epoch in
            let order = try DistributedSampler(
                count: count, globalBatchSize: count, rank: 0, worldSize: 1, shuffle: true, seed: 11
            )
            .indices(epoch: epoch)
            let start = rank * count / size
            return Array(order[start..<min(count, start + (count + size - 1) / size + 1)])
        }
    }
}
