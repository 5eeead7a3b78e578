import TensorCore

/// How ``ProcessGroup/allReduce(_:_:bucketElements:)`` combines the ranks' values.
public enum ReduceOperation: String, Sendable, Hashable, CaseIterable {
    /// Element-wise sum over the ranks.
    case sum
    /// Element-wise sum over the ranks divided by the group's size (the sum, then one multiplication
    /// by `1/size`, so every rank computes the same bits).
    case average
}

/// A communication engine: the few collectives a ``ProcessGroup`` is built on, on host memory.
///
/// Every rank of a group must call the same collectives in the same order with buffers of the
/// same size; results are bitwise identical on every rank. Implementations: MPI
/// (``MPICommunicator``), ranks as threads of one process (``InProcessGroup``), and NCCL on GPUs
/// (in CUDABackend). Methods are called by one thread of a rank at a time.
public protocol Communicator: Sendable {
    /// This process's position in the group, `0 ..< size`.
    var rank: Int { get }
    /// Number of ranks, ≥ 1.
    var size: Int { get }
    /// The engine's name for messages, e.g. `"MPI (Open MPI, libmpi.so.40)"`.
    var engineName: String { get }

    /// Replaces `values` on every rank with the element-wise sum over the ranks (same count everywhere).
    /// - Throws: ``DistributedError`` when the engine fails or a peer is gone.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError)

    /// Writes into `result` the element-wise sum over the ranks of every rank's `values` (same count
    /// everywhere; `values` is only read, and the two must not overlap). The default copies
    /// `values` into `result` and reduces it in place.
    /// - Throws: ``DistributedError`` when the engine fails or a peer is gone.
    func allReduceSum(_ values: UnsafeBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>)
        throws(DistributedError)

    /// Replaces `values` on every rank with the element-wise sum over the ranks, in double precision.
    /// - Throws: ``DistributedError`` when the engine fails or a peer is gone.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError)

    /// Copies `bytes` of rank `root` into `bytes` of every other rank (same count everywhere).
    /// - Throws: ``DistributedError`` when the engine fails or a peer is gone.
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws(DistributedError)

    /// Concatenates every rank's `bytes` in rank order into `result`, whose count is
    /// `size × bytes.count`.
    /// - Throws: ``DistributedError`` when the engine fails or a peer is gone.
    func allGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws(DistributedError)

    /// Returns once every rank has called it.
    /// - Throws: ``DistributedError`` when the engine fails or a peer is gone.
    func barrier() throws(DistributedError)

    /// Ends the whole job (every rank) after printing `message` to standard error; never returns.
    func abort(_ message: String, exitCode: Int32) -> Never
}

/// A communicator that also reduces the memory of one device backend on that device (NCCL on a
/// GPU): a ``ProcessGroup`` over it all-reduces large tensors of that backend from their own
/// memory into the result's, with no copy through host memory.
public protocol DeviceCommunicator: Communicator {
    /// The backend whose buffers ``allReduceSum(_:offset:count:into:at:)`` takes.
    var deviceBackend: any Backend { get }

    /// Writes into `count` floats of `result` from element `resultOffset` the element-wise sum over
    /// the ranks of `count` floats of `buffer` from element `offset` (same count everywhere; the
    /// ranges must not overlap). The work is queued on the backend: later work on it, and
    /// downloads, see the result.
    /// - Throws: ``DistributedError`` for a buffer of another backend, a range outside a buffer,
    ///   or the engine's failure.
    func allReduceSum(
        _ buffer: any DeviceBuffer, offset: Int, count: Int, into result: any DeviceBuffer, at resultOffset: Int
    ) throws(DistributedError)
}

extension Communicator {
    /// Copies `values` into `result`, then reduces `result` in place (for engines without a
    /// separate send buffer).
    /// - Throws: what the in-place `allReduceSum(_:)` throws.
    public func allReduceSum(
        _ values: UnsafeBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>
    ) throws(DistributedError) {
        precondition(values.count == result.count, "allReduceSum: \(values.count) values into \(result.count)")
        _ = result.initialize(from: values)
        try allReduceSum(result)
    }
}
