import TensorCore

/// Iterates a dataset in batches: optional seeded shuffling, drop-last, collation into batch
/// tensors, and worker threads that prefetch batches in order (PyTorch's `DataLoader`).
///
/// Reproducibility: the order of epoch `e` comes from `(seed, e)` and every example is produced
/// with `SampleContext(seed, e, index)`, so for a given seed the batches are identical whatever the
/// number of workers, including random augmentation drawn from ``SampleContext/random``.
///
/// ```swift
/// let loader = try DataLoader(trainSet, batchSize: 128, shuffle: true, seed: 42, workers: 2)
/// for epoch in 0..<10 {
///     let batches = loader.batches(epoch: epoch)
///     while let batch = try batches.next() {
///         // batch.inputs: [128, 1, 32, 32], batch.labels: [Int]?
///     }
/// }
/// ```
public struct DataLoader<D: Dataset>: Sendable {
    /// The dataset read.
    public let dataset: D
    /// Examples per batch (the last batch may be smaller unless ``dropLast``).
    public let batchSize: Int
    /// Whether each epoch visits the examples in a fresh random order.
    public let shuffle: Bool
    /// Whether a last, incomplete batch is left out.
    public let dropLast: Bool
    /// Key of the epoch orders and of every example's ``SampleContext``.
    public let seed: UInt64
    /// Number of worker threads; 0 produces batches on the calling thread.
    public let workers: Int
    /// With workers: how many batches may be ready or in progress ahead of the consumer.
    public let prefetch: Int

    /// A loader over `dataset`.
    ///
    /// - Parameters:
    ///   - batchSize: examples per batch, ≥ 1.
    ///   - shuffle: visit examples in a random order, new for each epoch.
    ///   - dropLast: leave out the last batch when it has fewer than `batchSize` examples.
    ///   - seed: key of shuffling and augmentation; `nil` takes the seed of
    ///     ``TensorCore/makeDeterministic(seed:)`` (0 when it was never called).
    ///   - workers: worker threads, 0...256 (0: batches are made on the calling thread).
    ///   - prefetch: batches produced ahead of the consumer, ≥ 1 (default `2 × workers`).
    /// - Throws: ``DataLoaderError/invalidSetting(name:value:requirement:)``.
    public init(
        _ dataset: D, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false, seed: UInt64? = nil,
        workers: Int = 0, prefetch: Int? = nil
    ) throws(DataLoaderError) {
        guard batchSize >= 1 else { throw .invalidSetting(name: "batchSize", value: batchSize, requirement: "must be ≥ 1") }
        guard (0...256).contains(workers) else {
            throw .invalidSetting(name: "workers", value: workers, requirement: "must be in 0...256")
        }
        let prefetch = prefetch ?? max(2 * workers, 1)
        guard prefetch >= 1 else { throw .invalidSetting(name: "prefetch", value: prefetch, requirement: "must be ≥ 1") }
        guard dataset.count >= 0 && dataset.count <= Int(UInt32.max) else {
            throw .invalidSetting(name: "dataset.count", value: dataset.count, requirement: "must be in 0...2³²−1")
        }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed ?? Determinism.seed ?? 0
        self.workers = workers
        self.prefetch = prefetch
    }

    /// Number of batches per epoch.
    public var count: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// The dataset indices in the order epoch `epoch` visits them: `0 ..< count`, or a permutation
    /// drawn from Philox keyed by the seed, with the epoch as stream, when shuffling.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<dataset.count) }
        return Self.permutation(count: dataset.count, seed: seed, epoch: epoch)
    }

    /// The batches of epoch `epoch`, produced by ``workers`` threads (started now) or, with 0 workers,
    /// on demand by ``BatchIterator/next()``. Dropping the iterator stops and joins its threads.
    public func batches(epoch: Int) -> BatchIterator<D> {
        BatchIterator(plan: BatchPlan(loader: self, epoch: epoch))
    }

    /// Every batch of epoch `epoch`, in order.
    /// - Throws: the first ``DataLoaderError`` of the epoch.
    public func allBatches(epoch: Int) throws(DataLoaderError) -> [Batch] {
        let iterator = batches(epoch: epoch)
        var result: [Batch] = []
        while let batch = try iterator.next() { result.append(batch) }
        return result
    }
}

/// What one epoch produces: the sample order, cut into batches.
struct BatchPlan<D: Dataset>: Sendable {
    let dataset: D
    let seed: UInt64
    let epoch: Int
    let order: [Int]
    let batchSize: Int
    var batchCount: Int
    let workers: Int
    let prefetch: Int
    /// Explicit dataset indices of every batch (a ``DistributedSampler``'s shares), replacing
    /// `order` cut by `batchSize`.
    var explicitBatches: [[Int]]? = nil

    /// The plan of `loader` for `epoch` with explicit `batches` of dataset indices.
    init(loader: DataLoader<D>, epoch: Int, batches: [[Int]]) {
        self.init(loader: loader, epoch: epoch)
        explicitBatches = batches
        batchCount = batches.count
    }

    init(loader: DataLoader<D>, epoch: Int) {
        dataset = loader.dataset
        seed = loader.seed
        self.epoch = epoch
        order = loader.order(epoch: epoch)
        batchSize = loader.batchSize
        batchCount = loader.count
        workers = loader.workers
        prefetch = loader.prefetch
    }

    /// Loads and collates batch `batchIndex`. Tensor misuse inside the dataset is caught by a
    /// checking scope and reported like a thrown error, so a worker never stops the process.
    func makeBatch(_ batchIndex: Int) throws(DataLoaderError) -> Batch {
        let indices: [Int]
        if let explicitBatches {
            indices = explicitBatches[batchIndex]
        } else {
            let start = batchIndex * batchSize
            indices = Array(order[start..<min(start + batchSize, order.count)])
        }
        var examples: [Example] = []
        examples.reserveCapacity(indices.count)
        for index in indices {
            do {
                let context = SampleContext(seed: seed, epoch: epoch, index: index)
                examples.append(try withTensorChecking { try dataset.example(at: index, context: context) })
            } catch {
                throw .sampleFailed(index: index, underlying: error)
            }
        }
        return try Batch.collate(examples, indices: indices, batchIndex: batchIndex)
    }
}
