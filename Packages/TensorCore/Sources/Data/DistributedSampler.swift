import TensorCore

/// Which examples one rank of a data-parallel job reads: its share of every global batch.
///
/// Each epoch has one order, drawn from `(seed, epoch)` exactly as ``DataLoader/order(epoch:)``
/// draws it (so one rank of one equals a plain loader), cut into global batches of
/// ``globalBatchSize``. Global batch `k` (indices `k·B ..< min((k+1)·B, count)` of the order, `n`
/// of them) is split into `worldSize` contiguous shares in rank order: rank `r` takes positions
/// `⌊r·n/N⌋ ..< ⌊(r+1)·n/N⌋`. The shares are disjoint, cover the epoch exactly once, and
/// concatenated in rank order give back the global batch.
///
/// **Remainder policy: nothing is padded and nothing is dropped.** Shares differ by at most one
/// example; in the last, partial global batch (and whenever `B < N`) some ranks may get one fewer
/// example or none at all. Every rank has the same number of steps (``batchCount``). With a loss
/// summed over examples and gradients summed over ranks, a step of `N` ranks therefore computes
/// exactly the gradient one process computes on the whole global batch (PyTorch's
/// `DistributedSampler`, which pads by repeating examples, would count some twice; dropping would
/// lose them).
///
/// ```swift
/// let sampler = try DistributedSampler(count: 60_000, globalBatchSize: 128, rank: 1, worldSize: 2, shuffle: true, seed: 42)
/// let myBatches = sampler.batches(epoch: 3)       // 469 lists of dataset indices, 64 (or fewer) each
/// ```
public struct DistributedSampler: Sendable, Hashable {
    /// Number of examples of the dataset.
    public let count: Int
    /// Examples per step over all ranks together (B).
    public let globalBatchSize: Int
    /// This rank, `0 ..< worldSize`.
    public let rank: Int
    /// Number of ranks (N).
    public let worldSize: Int
    /// Whether each epoch has a fresh random order.
    public let shuffle: Bool
    /// Key of the epoch orders (the loader's seed).
    public let seed: UInt64

    /// A sampler of rank `rank` of `worldSize` over a dataset of `count` examples.
    /// - Throws: ``DataLoaderError/invalidSetting(name:value:requirement:)`` naming the setting
    ///   when `count < 0`, `globalBatchSize < 1`, `worldSize < 1` or `rank ∉ 0..<worldSize`.
    public init(
        count: Int, globalBatchSize: Int, rank: Int, worldSize: Int, shuffle: Bool, seed: UInt64
    ) throws(DataLoaderError) {
        guard count >= 0 && count <= Int(UInt32.max) else {
            throw .invalidSetting(name: "count", value: count, requirement: "must be in 0...2³²−1")
        }
        guard globalBatchSize >= 1 else {
            throw .invalidSetting(name: "globalBatchSize", value: globalBatchSize, requirement: "must be ≥ 1")
        }
        guard worldSize >= 1 else { throw .invalidSetting(name: "worldSize", value: worldSize, requirement: "must be ≥ 1") }
        guard (0..<worldSize).contains(rank) else {
            throw .invalidSetting(name: "rank", value: rank, requirement: "must be in 0..<\(worldSize) (worldSize)")
        }
        self.count = count
        self.globalBatchSize = globalBatchSize
        self.rank = rank
        self.worldSize = worldSize
        self.shuffle = shuffle
        self.seed = seed
    }

    /// Number of steps per epoch, the same on every rank: `⌈count / globalBatchSize⌉`.
    public var batchCount: Int { (count + globalBatchSize - 1) / globalBatchSize }

    /// The order of the whole dataset in `epoch` (identical on every rank).
    public func globalOrder(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<count) }
        return DataLoader<EmptyDataset>.permutation(count: count, seed: seed, epoch: epoch)
    }

    /// Positions `lower ..< upper` inside a global batch of `size` examples taken by `rank` of `worldSize`.
    public static func share(ofBatchOf size: Int, rank: Int, worldSize: Int) -> Range<Int> {
        (rank * size) / worldSize..<((rank + 1) * size) / worldSize
    }

    /// This rank's dataset indices for each step of `epoch` (``batchCount`` lists; some may be empty).
    public func batches(epoch: Int) -> [[Int]] {
        let order = globalOrder(epoch: epoch)
        return (0..<batchCount).map { k in
            let start = k * globalBatchSize
            let size = min(globalBatchSize, count - start)
            let share = Self.share(ofBatchOf: size, rank: rank, worldSize: worldSize)
            return Array(order[(start + share.lowerBound)..<(start + share.upperBound)])
        }
    }

    /// Every dataset index this rank reads in `epoch`, in order.
    public func indices(epoch: Int) -> [Int] { batches(epoch: epoch).flatMap { $0 } }
}

/// Stands in for a dataset type where only the loader's static helpers are needed.
public struct EmptyDataset: Dataset {
    /// 0.
    public var count: Int { 0 }
    /// Never called: there is no example.
    /// - Throws: ``DataLoaderError/indexOutOfRange(index:count:)`` always.
    public func example(at index: Int, context: SampleContext) throws -> Example {
        throw DataLoaderError.indexOutOfRange(index: index, count: 0)
    }
}

extension DataLoader {
    /// The permutation of `0..<count` that a shuffling loader keyed by `seed` visits in `epoch`.
    static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var stream = PhiloxStream(key: PhiloxKey(seed: seed ^ 0x9E37_79B9_7F4A_7C15, stream: UInt64(truncatingIfNeeded: epoch)))
        return stream.permutation(of: count)
    }

    /// The batches of epoch `epoch` that rank `sampler.rank` reads: its share of every global batch
    /// (see ``DistributedSampler``), made by the loader's workers like ``batches(epoch:)``. The
    /// loader's own batch size, shuffling and seed are not used; the sampler's are. A batch may be
    /// empty (`count == 0`, inputs of shape `[0]`) when this rank's share of it is empty.
    /// - Precondition: `sampler.count == dataset.count`.
    public func batches(epoch: Int, sampler: DistributedSampler) -> BatchIterator<D> {
        precondition(
            sampler.count == dataset.count, "the sampler covers \(sampler.count) examples, the dataset has \(dataset.count)")
        return BatchIterator(plan: BatchPlan(loader: self, epoch: epoch, batches: sampler.batches(epoch: epoch)))
    }
}
