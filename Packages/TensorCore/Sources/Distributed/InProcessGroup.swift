import DeepTrustSystem
import Synchronization

/// Ranks as threads of one process sharing memory: a real ``Communicator`` without `mpirun`, for
/// fast tests of data-parallel code and for TestKit's distributed checks.
///
/// ``run(size:timeoutSeconds:_:)`` starts `size` threads, gives each a ``ProcessGroup`` of its
/// rank, and returns their results in rank order. Collectives combine contributions in rank order,
/// so every rank gets the same bits (as with MPI). A rank that returns or throws while others wait
/// for it in a collective makes them throw ``DistributedError/peerExited(operation:rank:)``, and a
/// collective that waits longer than the timeout throws ``DistributedError/timedOut(operation:seconds:)``:
/// a broken subject fails, it never hangs.
public enum InProcessGroup {
    /// Runs `body` on `size` threads, one per rank, and returns each rank's result in rank order.
    ///
    /// - Parameters:
    ///   - size: number of ranks, 1...256.
    ///   - timeoutSeconds: how long one collective may wait for the other ranks.
    /// - Throws: ``DistributedError/invalidArgument(name:value:requirement:)`` for a bad size or
    ///   when a thread cannot be started; otherwise the error of the lowest rank that threw.
    public static func run<T: Sendable>(
        size: Int, timeoutSeconds: Double = 120, _ body: @escaping @Sendable (ProcessGroup) throws -> T
    ) throws -> [T] {
        guard (1...256).contains(size) else {
            throw DistributedError.invalidArgument(name: "size", value: "\(size)", requirement: "must be in 1...256")
        }
        let rendezvous = Rendezvous(size: size, timeoutSeconds: timeoutSeconds)
        let results = Mutex<[Result<T, any Error>?]>(Array(repeating: nil, count: size))
        var threads: [WorkerThread] = []
        for rank in 0..<size {
            let group = ProcessGroup(InProcessCommunicator(rank: rank, rendezvous: rendezvous))
            let started = WorkerThread.start(name: "dtrank\(rank)") {
                let result = Result { try body(group) }
                rendezvous.depart(rank)
                results.withLock { $0[rank] = result }
            }
            guard let started else {
                for rank in rank..<size { rendezvous.depart(rank) }
                for thread in threads { thread.join() }
                throw DistributedError.invalidArgument(
                    name: "size", value: "\(size)", requirement: "could not start thread \(rank)")
            }
            threads.append(started)
        }
        for thread in threads { thread.join() }
        return try results.withLock { all in try all.map { try $0!.get() } }
    }
}

/// One rank's view of an ``InProcessGroup``.
///
/// `Sendable`: the rendezvous is thread-safe and `sequence` is atomic.
final class InProcessCommunicator: Communicator {
    let rank: Int
    var size: Int { rendezvous.size }
    var engineName: String { "in-process (\(rendezvous.size) threads)" }
    private let rendezvous: Rendezvous
    /// Number of collectives this rank has called (the round of the next one).
    private let sequence = Atomic<Int>(0)

    init(rank: Int, rendezvous: Rendezvous) {
        self.rank = rank
        self.rendezvous = rendezvous
    }

    private func exchange(_ operation: String, _ bytes: UnsafeRawBufferPointer) throws(DistributedError) -> [[UInt8]] {
        let round = sequence.add(1, ordering: .relaxed).oldValue
        return try rendezvous.exchange(round: round, rank: rank, operation: operation, contribution: Array(bytes))
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {
        let all = try exchange("allReduce(Float)", UnsafeRawBufferPointer(values))
        try Self.sum(all, into: values, operation: "allReduce")
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError) {
        let all = try exchange("allReduce(Double)", UnsafeRawBufferPointer(values))
        try Self.sum(all, into: values, operation: "allReduce")
    }

    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws(DistributedError) {
        let all = try exchange(
            "broadcast(root \(root))", rank == root ? UnsafeRawBufferPointer(bytes) : UnsafeRawBufferPointer(start: nil, count: 0)
        )
        guard all[root].count == bytes.count else {
            throw .mismatch(
                operation: "broadcast", detail: "rank \(rank) has \(bytes.count) bytes, root \(root) has \(all[root].count)")
        }
        all[root].withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    func allGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws(DistributedError) {
        let all = try exchange("allGather", bytes)
        let joined = all.flatMap { $0 }
        guard joined.count == result.count else {
            throw .mismatch(
                operation: "allGather", detail: "the blocks total \(joined.count) bytes, rank \(rank) expected \(result.count)")
        }
        joined.withUnsafeBytes { result.copyMemory(from: $0) }
    }

    func barrier() throws(DistributedError) {
        _ = try exchange("barrier", UnsafeRawBufferPointer(start: nil, count: 0))
    }

    func abort(_ message: String, exitCode: Int32) -> Never {
        fatalError("in-process group aborted: \(message)")
    }

    /// Sums the ranks' blocks into `values` as a balanced tree in rank order (ranks `0 ..< n` are
    /// the sum of the halves `0 ..< n/2` and `n/2 ..< n`, each summed so; for two ranks one
    /// addition), the same on every rank, as MPI's recursive doubling adds a power-of-two group: a
    /// gradient summed as a tree over a batch (TensorCore's `GemmDescriptor.pairwiseDepth`) then
    /// comes out of 2 or 4 equal shares of more than 16 rows bit for bit as from the whole batch.
    private static func sum<T: BinaryFloatingPoint>(
        _ all: [[UInt8]], into values: UnsafeMutableBufferPointer<T>, operation: String
    ) throws(DistributedError) {
        let bytes = values.count * MemoryLayout<T>.stride
        if let other = all.firstIndex(where: { $0.count != bytes }) {
            throw .mismatch(
                operation: operation,
                detail: "\(values.count) elements here, \(all[other].count / MemoryLayout<T>.stride) on rank \(other)")
        }
        let blocks = all.map { block in block.withUnsafeBytes { Array($0.bindMemory(to: T.self)) } }
        func tree(_ ranks: Range<Int>) -> [T] {
            if ranks.count == 1 { return blocks[ranks.lowerBound] }
            let middle = ranks.lowerBound + ranks.count / 2
            let (left, right) = (tree(ranks.lowerBound..<middle), tree(middle..<ranks.upperBound))
            return zip(left, right).map { $0 + $1 }
        }
        let total = tree(0..<blocks.count)
        for i in values.indices { values[i] = total[i] }
    }
}

/// The meeting point of an in-process group's ranks.
///
/// `@unchecked Sendable`: `rounds` and `departed` are read and written only while holding `lock`.
final class Rendezvous: @unchecked Sendable {
    let size: Int
    let timeoutSeconds: Double
    private let lock = ConditionLock()
    private struct Round {
        var operation: String
        var contributions: [[UInt8]?]
        var readers = 0
    }
    private var rounds: [Int: Round] = [:]
    private var departed: Set<Int> = []

    init(size: Int, timeoutSeconds: Double) {
        self.size = size
        self.timeoutSeconds = timeoutSeconds
    }

    /// Marks `rank` as gone: ranks waiting for its contribution stop waiting.
    func depart(_ rank: Int) {
        lock.withLock {
            departed.insert(rank)
            lock.broadcast()
        }
    }

    /// Deposits `contribution` for `round` and returns every rank's contribution in rank order.
    func exchange(round index: Int, rank: Int, operation: String, contribution: [UInt8]) throws(DistributedError) -> [[UInt8]] {
        let deadline = ConditionLock.deadline(after: timeoutSeconds)
        return try lock.withLock { () throws(DistributedError) -> [[UInt8]] in
            var round = rounds[index] ?? Round(operation: operation, contributions: Array(repeating: nil, count: size))
            guard round.operation == operation else {
                throw .mismatch(
                    operation: operation,
                    detail: "collective #\(index) is \(operation) on rank \(rank) but \(round.operation) on another rank")
            }
            round.contributions[rank] = contribution
            rounds[index] = round
            lock.broadcast()
            while true {
                let current = rounds[index]!
                if current.contributions.allSatisfy({ $0 != nil }) { break }
                if let gone = current.contributions.indices.first(where: {
                    current.contributions[$0] == nil && departed.contains($0)
                }) {
                    throw .peerExited(operation: operation, rank: gone)
                }
                if !lock.wait(until: deadline) {
                    throw .timedOut(operation: operation, seconds: timeoutSeconds)
                }
            }
            var done = rounds[index]!
            done.readers += 1
            if done.readers == size { rounds[index] = nil } else { rounds[index] = done }
            return done.contributions.map { $0! }
        }
    }
}
