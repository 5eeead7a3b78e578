import CNCCLTypes
import DeepTrustSystem
import Distributed
import Synchronization
import TensorCore

/// NCCL between GPUs, loaded at run time with `dlopen` (`libnccl.so.2`): one communicator per
/// device, one device per rank.
///
/// Every rank creates its communicator with ``make(bootstrap:backend:)``, collectively: rank 0
/// asks NCCL for a unique id (`ncclGetUniqueId`), the id travels to the other ranks over the
/// `bootstrap` group (usually ``Distributed/ProcessGroup/world()``, i.e. MPI under `mpirun`, as
/// is usual for NCCL), and every rank joins with `ncclCommInitRank` on its ``backend``'s GPU.
///
/// Two ways to use it:
/// - **Device buffers** (the point of NCCL): ``allReduceSum(_:offset:count:)``,
///   ``broadcast(_:offset:count:root:)`` and ``allGather(_:offset:count:into:)`` work in place on
///   buffers of ``backend`` and are queued on its stream after the kernels already queued there
///   (the gradients of a backward pass), without a copy to the host. ``synchronize()`` waits for
///   them and reports NCCL's asynchronous errors.
/// - **The ``Distributed/Communicator`` protocol** on host memory, like ``Distributed/MPICommunicator``:
///   the values are staged through device memory, so a ``Distributed/ProcessGroup`` over this
///   communicator runs every collective (and the trainer's data-parallel step) on NCCL.
///
/// Errors: a failing call throws ``Distributed/DistributedError/engineFailure(operation:code:message:)``
/// whose operation names the NCCL function (e.g. `"ncclAllReduce"`), with the `ncclResult_t`
/// code, its name and NCCL's `ncclGetErrorString` text; an error NCCL reports later, while the
/// queued collective runs, is read with `ncclCommGetAsyncError` after the stream is synchronised
/// and names `ncclCommGetAsyncError` and the collective. CUDA failures of the staging copies
/// name the driver call (`cuMemcpyHtoDAsync`, …).
///
/// Status: tested against an emulated NCCL (the same binding, with the collectives performed
/// across in-process ranks over emulated device memory). Running on real GPUs waits for a GPU host
/// with NCCL installed.
///
/// `@unchecked Sendable`: the stored function table, handles and backend are set once in `init`;
/// calls into NCCL are serialised by `callLock`, and `comm` is released once (`released`).
public final class NCCLCommunicator: DeviceCommunicator, @unchecked Sendable {
    /// This rank, `0 ..< size` (the bootstrap group's rank).
    public let rank: Int
    /// Number of ranks (the bootstrap group's size).
    public let size: Int
    /// `"NCCL 2.21.5 (libnccl.so.2) on cuda:0"`.
    public let engineName: String
    /// `ncclGetVersion`: 1000 · major + 100 · minor + patch for NCCL ≥ 2.9 (e.g. 22105).
    public let version: Int
    /// The GPU this rank's communicator works on; device-buffer collectives take its buffers.
    public let backend: CUDADeviceBackend
    /// The group that carried the unique id; ``abort(_:exitCode:)`` ends the job through it.
    public let bootstrap: ProcessGroup

    let nccl: NCCLFunctions
    private let comm: NCCLFunctions.Comm
    private let callLock = Mutex(())
    private let released = Atomic<Bool>(false)

    /// Loads NCCL and creates this rank's communicator on `backend`'s GPU; call it on every rank of
    /// `bootstrap` (collective).
    ///
    /// - Parameters:
    ///   - bootstrap: the group whose broadcast carries rank 0's unique id (e.g. `ProcessGroup.world()`).
    ///   - backend: this rank's GPU (`CUDABackend` device `cuda:<local rank>`).
    /// - Throws: ``Distributed/DistributedError/libraryNotFound(tried:hint:)`` or
    ///   ``Distributed/DistributedError/symbolMissing(library:symbol:)`` when NCCL cannot be
    ///   loaded, ``Distributed/DistributedError/engineFailure(operation:code:message:)`` naming
    ///   `ncclGetUniqueId` (rank 0's failure, on every rank) or `ncclCommInitRank`, and the
    ///   bootstrap group's errors. A rank that cannot load NCCL throws before the exchange; the
    ///   others then wait in it until the bootstrap's timeout (use `bootstrap.abort` on failure).
    public static func make(bootstrap: ProcessGroup, backend: CUDADeviceBackend) throws(DistributedError) -> NCCLCommunicator {
        try NCCLCommunicator(bootstrap: bootstrap, backend: backend, functions: NCCLFunctions.load())
    }

    /// A communicator over `functions` (NCCL, or an emulation in tests): see ``make(bootstrap:backend:)``.
    init(bootstrap: ProcessGroup, backend: CUDADeviceBackend, functions: NCCLFunctions) throws(DistributedError) {
        self.bootstrap = bootstrap
        self.backend = backend
        self.nccl = functions
        rank = bootstrap.rank
        size = bootstrap.size
        var number: Int32 = 0
        version = functions.getVersion(&number) == 0 ? Int(number) : 0
        let major = version / 10_000, minor = (version / 100) % 100, patch = version % 100
        engineName = "NCCL \(major).\(minor).\(patch) (\(functions.libraryName)) on \(backend.device)"

        // Rank 0's id, with its status first, so that a failure on rank 0 stops every rank.
        var message = [UInt8](repeating: 0, count: 4 + MemoryLayout<dt_nccl_unique_id>.size)
        if rank == 0 {
            var id = dt_nccl_unique_id()
            let status = try Self.withContext(of: backend, "ncclGetUniqueId") { functions.getUniqueId(&id) }
            message.withUnsafeMutableBytes { target in
                target.storeBytes(of: status, toByteOffset: 0, as: Int32.self)
                withUnsafeBytes(of: &id) { bytes in UnsafeMutableRawBufferPointer(rebasing: target[4...]).copyMemory(from: bytes)
                }
            }
        }
        try bootstrap.broadcast(&message, root: 0)
        let status = message.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        if status != 0 {
            let failure = functions.failure("ncclGetUniqueId", status)
            guard case .engineFailure(let operation, let code, let text) = failure else { throw failure }
            throw .engineFailure(operation: rank == 0 ? operation : "\(operation) (on rank 0)", code: code, message: text)
        }
        var id = dt_nccl_unique_id()
        withUnsafeMutableBytes(of: &id) { bytes in
            message.withUnsafeBytes { bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[4...])) }
        }
        var made: NCCLFunctions.Comm? = nil
        let size = Int32(size), rank = Int32(rank)
        let code = try Self.withContext(of: backend, "ncclCommInitRank") { functions.commInitRank(&made, size, id, rank) }
        try functions.check("ncclCommInitRank", code)
        guard let made else {
            throw .engineFailure(operation: "ncclCommInitRank", code: -1, message: "NCCL returned success but no communicator")
        }
        comm = made
    }

    deinit {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { _ = nccl.commDestroy(comm) }
    }

    // MARK: - Device buffers

    /// Replaces `count` floats of `buffer` from element `offset` (default: all of it) with their
    /// element-wise sum over the ranks, in place (`ncclAllReduce`, `ncclFloat32`, `ncclSum`),
    /// queued on ``backend``'s stream; ``synchronize()`` or a download waits for it.
    /// - Throws: ``Distributed/DistributedError/invalidArgument(name:value:requirement:)`` for a
    ///   buffer of another backend or a range outside it, ``Distributed/DistributedError/engineFailure(operation:code:message:)``
    ///   naming `ncclAllReduce`.
    public func allReduceSum(_ buffer: any DeviceBuffer, offset: Int = 0, count: Int? = nil) throws(DistributedError) {
        let address = try deviceAddress(of: buffer, offset: offset, count: count ?? buffer.count - offset)
        let count = count ?? buffer.count - offset
        try queue("ncclAllReduce") { stream in
            nccl.allReduce(address, address, count, NCCLFunctions.DataType.float32.rawValue, NCCLFunctions.sum, comm, stream)
        }
    }

    /// ``backend``, the device whose buffers the device-buffer collectives take.
    public var deviceBackend: any Backend { backend }

    /// Writes into `count` floats of `result` from `resultOffset` the element-wise sum over the
    /// ranks of `count` floats of `buffer` from `offset` (`ncclAllReduce` with separate send and
    /// receive buffers), queued on ``backend``'s stream: a ``Distributed/ProcessGroup`` reduces
    /// large tensors of this GPU this way, without copying them to host memory.
    /// - Throws: as ``allReduceSum(_:offset:count:)``.
    public func allReduceSum(
        _ buffer: any DeviceBuffer, offset: Int, count: Int, into result: any DeviceBuffer, at resultOffset: Int
    ) throws(DistributedError) {
        let source = try deviceAddress(of: buffer, offset: offset, count: count)
        let destination = try deviceAddress(of: result, offset: resultOffset, count: count)
        try queue("ncclAllReduce") { stream in
            nccl.allReduce(source, destination, count, NCCLFunctions.DataType.float32.rawValue, NCCLFunctions.sum, comm, stream)
        }
    }

    /// Copies `count` floats of rank `root`'s `buffer` from `offset` (default: all of it) into
    /// every rank's, in place (`ncclBroadcast`), queued on ``backend``'s stream.
    /// - Throws: as ``allReduceSum(_:offset:count:)``, naming `ncclBroadcast`; a root outside the group.
    public func broadcast(_ buffer: any DeviceBuffer, offset: Int = 0, count: Int? = nil, root: Int) throws(DistributedError) {
        try checkRoot(root)
        let count = count ?? buffer.count - offset
        let address = try deviceAddress(of: buffer, offset: offset, count: count)
        try queue("ncclBroadcast") { stream in
            nccl.broadcast(address, address, count, NCCLFunctions.DataType.float32.rawValue, Int32(root), comm, stream)
        }
    }

    /// Concatenates every rank's `count` floats of `buffer` from `offset` (default: all of it) in
    /// rank order into `result` (`ncclAllGather`), which holds at least `size × count` floats,
    /// queued on ``backend``'s stream.
    /// - Throws: as ``allReduceSum(_:offset:count:)``, naming `ncclAllGather`.
    public func allGather(_ buffer: any DeviceBuffer, offset: Int = 0, count: Int? = nil, into result: any DeviceBuffer)
        throws(DistributedError)
    {
        let count = count ?? buffer.count - offset
        let source = try deviceAddress(of: buffer, offset: offset, count: count)
        let destination = try deviceAddress(of: result, offset: 0, count: count * size)
        try queue("ncclAllGather") { stream in
            nccl.allGather(source, destination, count, NCCLFunctions.DataType.float32.rawValue, comm, stream)
        }
    }

    /// Waits for everything queued on ``backend``'s stream, then asks NCCL for an asynchronous
    /// error of the communicator.
    /// - Throws: ``Distributed/DistributedError/engineFailure(operation:code:message:)`` naming
    ///   `cuStreamSynchronize` or `ncclCommGetAsyncError`.
    public func synchronize() throws(DistributedError) {
        try callLock.withLock { _ throws(DistributedError) in try synchronizeLocked(after: "the queued collectives") }
    }

    // MARK: - Communicator (host memory)

    /// The element-wise sum over the ranks of host `values`, through device memory (`ncclAllReduce`,
    /// `ncclFloat32`); waits for the result.
    /// - Throws: ``Distributed/DistributedError/engineFailure(operation:code:message:)`` naming the
    ///   NCCL or CUDA call that failed.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {
        try staged(UnsafeMutableRawBufferPointer(values), "ncclAllReduce") { address, stream in
            nccl.allReduce(
                address, address, values.count, NCCLFunctions.DataType.float32.rawValue, NCCLFunctions.sum, comm, stream)
        }
    }

    /// The element-wise sum over the ranks of host `values` in double precision (`ncclFloat64`).
    /// - Throws: as the `Float` all-reduce on host memory.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError) {
        try staged(UnsafeMutableRawBufferPointer(values), "ncclAllReduce") { address, stream in
            nccl.allReduce(
                address, address, values.count, NCCLFunctions.DataType.float64.rawValue, NCCLFunctions.sum, comm, stream)
        }
    }

    /// Rank `root`'s host bytes on every rank (`ncclBroadcast`, `ncclUint8`).
    /// - Throws: as the `Float` all-reduce on host memory, and for a root outside the group.
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws(DistributedError) {
        try checkRoot(root)
        try staged(bytes, "ncclBroadcast") { address, stream in
            nccl.broadcast(address, address, bytes.count, NCCLFunctions.DataType.uint8.rawValue, Int32(root), comm, stream)
        }
    }

    /// Every rank's host bytes in rank order (`ncclAllGather`, `ncclUint8`).
    /// - Throws: as the `Float` all-reduce on host memory, and
    ///   ``Distributed/DistributedError/invalidArgument(name:value:requirement:)`` when `result`
    ///   does not hold `size × bytes.count` bytes.
    public func allGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws(DistributedError) {
        guard result.count == bytes.count * size else {
            throw .invalidArgument(
                name: "allGather result", value: "\(result.count) bytes", requirement: "must be \(size) × \(bytes.count) bytes")
        }
        guard !bytes.isEmpty else { return }
        try staged(result, "ncclAllGather", input: bytes) { address, stream in
            // Rank r's block sits at r × count inside the result (NCCL's in-place all-gather).
            nccl.allGather(
                address + rank * bytes.count, address, bytes.count, NCCLFunctions.DataType.uint8.rawValue, comm, stream)
        }
    }

    /// Returns once every rank has called it (NCCL has no barrier: an all-reduce of one float).
    /// - Throws: as the `Float` all-reduce on host memory.
    public func barrier() throws(DistributedError) {
        var token: Float = 0
        try withUnsafeMutablePointer(to: &token) { (pointer) throws(DistributedError) in
            try allReduceSum(UnsafeMutableBufferPointer(start: pointer, count: 1))
        }
    }

    /// `ncclCommAbort` (unblocks this rank's pending collectives), then ends the job through the
    /// bootstrap group (MPI_Abort under mpirun) after printing `message`; never returns.
    public func abort(_ message: String, exitCode: Int32) -> Never {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { _ = nccl.commAbort(comm) }
        bootstrap.communicator.abort(message, exitCode: exitCode)
    }

    // MARK: - Private

    private func checkRoot(_ root: Int) throws(DistributedError) {
        guard (0..<size).contains(root) else {
            throw .invalidArgument(name: "root", value: "\(root)", requirement: "must be in 0..<\(size) (the group's size)")
        }
    }

    /// The device address of `count` floats of `buffer` from `offset`, checked to lie inside it.
    private func deviceAddress(of buffer: any DeviceBuffer, offset: Int, count: Int) throws(DistributedError)
        -> UnsafeMutableRawPointer?
    {
        guard let cuda = buffer as? CUDABuffer else {
            throw .invalidArgument(
                name: "buffer", value: "\(type(of: buffer))", requirement: "must be a buffer of \(backend.device) (CUDABuffer)")
        }
        guard offset >= 0, count >= 0, offset + count <= cuda.count else {
            throw .invalidArgument(
                name: "range", value: "\(offset)..<\(offset + count)",
                requirement: "must lie inside the buffer's \(cuda.count) floats")
        }
        return UnsafeMutableRawPointer(bitPattern: UInt(cuda.address(at: offset)))
    }

    /// Runs `body` with ``backend``'s context current on the calling thread.
    private static func withContext<T>(of backend: CUDADeviceBackend, _ operation: String, _ body: () -> T)
        throws(DistributedError) -> T
    {
        do throws(CUDAError) {
            if try backend.driver.currentContext() != backend.context { try backend.driver.setCurrentContext(backend.context) }
        } catch {
            throw .engineFailure(
                operation: "\(operation) (making \(backend.device)'s context current)", code: error.code, message: "\(error)")
        }
        return body()
    }

    private var stream: OpaquePointer? { OpaquePointer(bitPattern: backend.stream.rawValue) }

    /// Queues one NCCL call on the backend's stream under the call lock; a failed backend refuses.
    private func queue(_ operation: String, _ call: (OpaquePointer?) -> Int32) throws(DistributedError) {
        if let failure = backend.firstError {
            throw .engineFailure(
                operation: operation, code: failure.code, message: "\(backend.device) failed earlier: \(failure)")
        }
        try callLock.withLock { _ throws(DistributedError) in
            let code = try Self.withContext(of: backend, operation) { call(stream) }
            try nccl.check(operation, code)
        }
    }

    /// Copies `bytes` (or `input` into its place) to device memory, queues `call` on it, copies the
    /// result back into `bytes` and waits, all under the call lock.
    private func staged(
        _ bytes: UnsafeMutableRawBufferPointer, _ operation: String, input: UnsafeRawBufferPointer? = nil,
        _ call: (UnsafeMutableRawPointer, OpaquePointer?) -> Int32
    ) throws(DistributedError) {
        guard let host = bytes.baseAddress, !bytes.isEmpty else { return }
        if let failure = backend.firstError {
            throw .engineFailure(
                operation: operation, code: failure.code, message: "\(backend.device) failed earlier: \(failure)")
        }
        let staging = backend.allocate(count: (bytes.count + 3) / 4)
        defer { withExtendedLifetime(staging) {} }
        guard let device = staging as? CUDABuffer, device.address != 0 else {
            throw .engineFailure(
                operation: "\(operation) (staging \(bytes.count) bytes on \(backend.device))",
                code: backend.firstError?.code ?? -1,
                message: backend.firstError.map { "\($0)" } ?? "allocation failed")
        }
        let driver = backend.driver, cudaStream = backend.stream
        try callLock.withLock { _ throws(DistributedError) in
            try Self.withContext(of: backend, operation) {}
            do throws(CUDAError) {
                if let input {
                    try driver.copyHostToDevice(
                        device.address + UInt64(rank * input.count), from: input.baseAddress!, byteCount: input.count,
                        stream: cudaStream)
                } else {
                    try driver.copyHostToDevice(device.address, from: host, byteCount: bytes.count, stream: cudaStream)
                }
            } catch {
                throw .engineFailure(operation: "\(operation) (\(error.call))", code: error.code, message: "\(error)")
            }
            try nccl.check(operation, call(UnsafeMutableRawPointer(bitPattern: UInt(device.address))!, stream))
            do throws(CUDAError) {
                try driver.copyDeviceToHost(host, from: device.address, byteCount: bytes.count, stream: cudaStream)
            } catch {
                throw .engineFailure(operation: "\(operation) (\(error.call))", code: error.code, message: "\(error)")
            }
            try synchronizeLocked(after: operation)
        }
    }

    /// `cuStreamSynchronize`, then `ncclCommGetAsyncError`; the caller holds the call lock.
    private func synchronizeLocked(after operation: String) throws(DistributedError) {
        do throws(CUDAError) {
            if try backend.driver.currentContext() != backend.context { try backend.driver.setCurrentContext(backend.context) }
            try backend.driver.synchronize(backend.stream)
        } catch {
            throw .engineFailure(operation: "\(operation) (\(error.call))", code: error.code, message: "\(error)")
        }
        var asynchronous: Int32 = 0
        try nccl.check("ncclCommGetAsyncError", nccl.commGetAsyncError(comm, &asynchronous))
        guard asynchronous == 0 else {
            let failure = nccl.failure("ncclCommGetAsyncError", asynchronous)
            guard case .engineFailure(_, let code, let text) = failure else { throw failure }
            throw .engineFailure(operation: "ncclCommGetAsyncError (after \(operation))", code: code, message: text)
        }
    }
}
