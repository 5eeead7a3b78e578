import DeepTrustSystem
import Synchronization
import TensorCore

/// The batches of one epoch, in order (see ``DataLoader/batches(epoch:)``).
///
/// With workers, batches are produced ahead by the loader's threads into a bounded window of
/// ``DataLoader/prefetch`` batches and handed out in order. The first error ends the iteration:
/// ``next()`` throws it once, then returns `nil`. Dropping the iterator, also before the end,
/// stops the workers and waits for them, so no thread outlives it.
public final class BatchIterator<D: Dataset>: Sendable {
    private let plan: BatchPlan<D>
    /// Worker mode: the shared window and the threads (`nil` with 0 workers, or when no thread could start).
    private let pipeline: BatchPipeline<D>?
    /// Calling-thread mode: the next batch to make, or `nil` when finished.
    private let cursor: Mutex<Int?>

    init(plan: BatchPlan<D>) {
        self.plan = plan
        cursor = Mutex(0)
        pipeline = plan.workers > 0 && plan.batchCount > 0 ? BatchPipeline.start(plan) : nil
    }

    deinit { pipeline?.stop() }

    /// Number of batches of the epoch.
    public var count: Int { plan.batchCount }

    /// Names of this iterator's worker threads (empty without workers), as the system shows them.
    var workerThreadNames: [String] { pipeline?.threadNames ?? [] }

    /// The next batch, or `nil` after the last one (or after an error was thrown).
    /// - Throws: ``DataLoaderError/sampleFailed(index:underlying:)`` naming the dataset index whose
    ///   example failed, or ``DataLoaderError/collation(batch:reason:)``.
    public func next() throws(DataLoaderError) -> Batch? {
        if let pipeline { return try pipeline.next() }
        return try cursor.withLock { (cursor: inout Int?) throws(DataLoaderError) -> Batch? in
            guard let index = cursor, index < plan.batchCount else { cursor = nil; return nil }
            cursor = nil
            let batch = try plan.makeBatch(index)
            cursor = index + 1
            return batch
        }
    }
}

/// Distinguishes the thread names of concurrent loaders (`dtload<id>.<worker>`).
private let pipelineIdentifiers = Atomic<Int>(0)

/// Worker threads producing the batches of one plan into a bounded, ordered window.
///
/// `@unchecked Sendable`: every mutable field (`results`, `nextToClaim`, `nextToConsume`,
/// `stopped`, `threads`) is read and written only while holding `lock`; `plan` is immutable.
final class BatchPipeline<D: Dataset>: @unchecked Sendable {
    private let plan: BatchPlan<D>
    private let lock = ConditionLock()
    private var results: [Int: Result<Batch, DataLoaderError>] = [:]
    private var nextToClaim = 0
    private var nextToConsume = 0
    private var stopped = false
    private var threads: [WorkerThread] = []
    /// Names of the started threads; set once before `start` returns.
    private(set) var threadNames: [String] = []

    private init(plan: BatchPlan<D>) { self.plan = plan }

    /// Starts the plan's workers; `nil` when not a single thread could be created.
    static func start(_ plan: BatchPlan<D>) -> BatchPipeline? {
        let pipeline = BatchPipeline(plan: plan)
        let id = pipelineIdentifiers.add(1, ordering: .relaxed).oldValue
        var started: [WorkerThread] = [], names: [String] = []
        for worker in 0..<min(plan.workers, plan.batchCount) {
            let name = "dtload\(id % 10_000).\(worker)"
            guard let thread = WorkerThread.start(name: name, { pipeline.work() }) else { break }
            started.append(thread)
            names.append(name)
        }
        guard !started.isEmpty else { return nil }
        pipeline.lock.withLock {
            pipeline.threads = started
            pipeline.threadNames = names
        }
        return pipeline
    }

    /// A worker's loop: claim the next batch inside the window, make it, publish it.
    private func work() {
        while true {
            let claimed: Int? = lock.withLock {
                while !stopped && nextToClaim < plan.batchCount && nextToClaim >= nextToConsume + plan.prefetch {
                    lock.wait()
                }
                guard !stopped && nextToClaim < plan.batchCount else { return nil }
                defer { nextToClaim += 1 }
                return nextToClaim
            }
            guard let index = claimed else { return }
            let result = Result { () throws(DataLoaderError) in try plan.makeBatch(index) }
            lock.withLock {
                results[index] = result
                lock.broadcast()
            }
        }
    }

    /// The next batch in order, waiting for a worker to finish it.
    func next() throws(DataLoaderError) -> Batch? {
        let result: Result<Batch, DataLoaderError>? = lock.withLock {
            while !stopped && nextToConsume < plan.batchCount && results[nextToConsume] == nil { lock.wait() }
            guard !stopped && nextToConsume < plan.batchCount else { return nil }
            defer { nextToConsume += 1; lock.broadcast() }
            return results.removeValue(forKey: nextToConsume)
        }
        guard let result else { return nil }
        switch result {
        case .success(let batch):
            return batch
        case .failure(let error):
            stop()
            throw error
        }
    }

    /// Stops the workers (each finishes the batch in hand) and joins them. Idempotent.
    func stop() {
        let joining: [WorkerThread] = lock.withLock {
            stopped = true
            results.removeAll()
            lock.broadcast()
            defer { threads = [] }
            return threads
        }
        for thread in joining { thread.join() }
    }
}
