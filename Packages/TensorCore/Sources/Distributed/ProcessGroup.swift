import DeepTrustSystem
import Synchronization
import Optim
import TensorCore

/// The processes (ranks) of one data-parallel job and the collectives between them.
///
/// ``world()`` reads the launcher's environment: under `mpirun -np N` it returns a group of `N`
/// ranks communicating through MPI; in a process started any other way it returns ``single``, a
/// group of one in which every collective returns its input unchanged (MLX's `distributed` does
/// the same), so code written for several processes runs unchanged in one.
///
/// Collectives work on many tensors at once: small ones are packed into buckets of at most
/// `bucketElements` floats, each moved by one call of the engine, and large ones are reduced from
/// their own memory. Every rank must call the same collectives in the same order with tensors of
/// the same shapes; results are bitwise identical on every rank. A group is used by one thread at
/// a time.
///
/// The first all-reduce or broadcast of a given list of element counts checks that every rank
/// passes the same list (one extra all-gather) and throws
/// ``DistributedError/mismatch(operation:detail:)`` naming the counts when they differ; later
/// calls with a list already checked skip it, so the all-reduce of every training step costs only
/// its own collectives.
///
/// ```swift
/// let group = try ProcessGroup.world()
/// try group.broadcastValues(of: model.parameters, root: 0)   // identical initial weights
/// // … backward …
/// try group.allReduceGradients(of: model.parameters, .sum)   // Σ over ranks, in place
/// ```
public final class ProcessGroup: Sendable {
    /// The engine carrying the collectives.
    public let communicator: any Communicator

    /// A group over `communicator`.
    public init(_ communicator: any Communicator) {
        self.communicator = communicator
    }

    /// Lists of element counts that every rank has already been seen to agree on (see the type's
    /// notes).
    private let agreedCounts = Mutex<Set<[Int]>>([])

    /// The group of one process: rank 0 of size 1; every collective is a no-op.
    public static let single = ProcessGroup(SingleProcessCommunicator())

    /// This process's rank, `0 ..< size`.
    public var rank: Int { communicator.rank }
    /// Number of processes, ≥ 1.
    public var size: Int { communicator.size }
    /// Whether this is rank 0, the one that writes files and prints progress.
    public var isMain: Bool { rank == 0 }
    /// Whether the group has more than one rank.
    public var isDistributed: Bool { size > 1 }

    /// Default bucket size of the tensor collectives: 4 Mi floats (16 MiB).
    public static let defaultBucketElements = 1 << 22

    // MARK: - World

    /// The group this process was launched into.
    ///
    /// Reads `OMPI_COMM_WORLD_RANK`/`OMPI_COMM_WORLD_SIZE` (Open MPI's `mpirun`) or
    /// `PMI_RANK`/`PMI_SIZE` (MPICH's `mpiexec`, refused when MPI is loaded), then
    /// `DEEPTRUST_RANK`/`DEEPTRUST_WORLD_SIZE`. Without them, or with a size of 1, returns
    /// ``single`` without loading anything.
    /// Otherwise loads MPI (``MPICommunicator/initialize(expectedRank:expectedSize:)``); the result
    /// is cached, so later calls return the same group.
    /// - Throws: ``DistributedError/invalidEnvironment(variable:value:requirement:)`` for unreadable
    ///   variables, and what ``MPICommunicator/initialize(expectedRank:expectedSize:)`` throws.
    public static func world() throws(DistributedError) -> ProcessGroup {
        try world(environment: LaunchEnvironment.current())
    }

    /// ``world()`` for an explicit environment (for tests: nothing is read from the process).
    /// - Throws: as ``world()``.
    public static func world(environment: [String: String]) throws(DistributedError) -> ProcessGroup {
        guard let launch = try LaunchEnvironment(environment), launch.size > 1 else { return .single }
        return ProcessGroup(try MPICommunicator.initialize(expectedRank: launch.rank, expectedSize: launch.size))
    }

    // MARK: - All-reduce

    /// The element-wise sum or average over the ranks of each tensor, as new tensors on each input's
    /// device (shapes kept; the inputs are not modified).
    ///
    /// A tensor of at least ``directElements`` floats is reduced on its own, straight from its
    /// memory into the result's when it is contiguous host memory, or contiguous memory of the
    /// device of a ``DeviceCommunicator`` (NCCL on a GPU); no staging copies; smaller
    /// tensors are packed, in order, into buckets of at most `bucketElements` floats. The first call
    /// with a given list of element counts checks that every rank passes the same list.
    /// - Throws: ``DistributedError/mismatch(operation:detail:)`` when the ranks' element counts
    ///   differ, ``DistributedError/invalidArgument(name:value:requirement:)`` for
    ///   `bucketElements < 1`, or the engine's failure.
    public func allReduce(
        _ tensors: [Tensor], _ op: ReduceOperation = .average, bucketElements: Int = defaultBucketElements
    ) throws(DistributedError) -> [Tensor] {
        var results = tensors
        try reduce(&results, op, bucketElements: bucketElements, inPlace: false)
        return results
    }

    /// Replaces each of `tensors` with its element-wise sum or average over the ranks (shapes and
    /// devices kept), as ``allReduce(_:_:bucketElements:)`` does, but a contiguous host tensor of
    /// at least ``directElements`` floats is reduced in its own memory (MPI's `MPI_IN_PLACE`: no
    /// second buffer and no copy) when no other tensor shares that memory; a shared one is copied
    /// first, so the tensors sharing it keep their values (copy-on-write, as
    /// `Tensor.updateInPlace(_:)`).
    /// - Throws: as ``allReduce(_:_:bucketElements:)``; after a failure, the tensors reduced so far
    ///   hold their results, the others their inputs.
    public func allReduce(
        _ tensors: inout [Tensor], _ op: ReduceOperation = .average, bucketElements: Int = defaultBucketElements
    ) throws(DistributedError) {
        try reduce(&tensors, op, bucketElements: bucketElements, inPlace: true)
    }

    /// The two tensor all-reduces: large tensors one by one (in their own memory when `inPlace`
    /// allows), small ones in buckets, in order.
    private func reduce(
        _ tensors: inout [Tensor], _ op: ReduceOperation, bucketElements: Int, inPlace: Bool
    ) throws(DistributedError) {
        guard isDistributed else { return }
        try checkBucket(bucketElements)
        try checkSameCounts(tensors.map(\.count), operation: "allReduce")
        let scale: Float? = op == .average ? 1 / Float(size) : nil
        var pending: [Int] = []  // small tensors waiting for their bucket, in order
        var pendingElements = 0
        for index in tensors.indices {
            let count = tensors[index].count
            if count >= Self.directElements {
                let reduced =
                    inPlace && tensors[index].storage.buffer is CPUBuffer
                    ? try reduceInOwnMemory(&tensors[index], scale: scale, bucketElements: bucketElements) : false
                if !reduced {
                    tensors[index] = try allReduceAlone(tensors[index], scale: scale, bucketElements: bucketElements)
                }
                continue
            }
            if pendingElements + count > bucketElements, !pending.isEmpty {
                try allReduceBucket(at: pending, of: &tensors, scale: scale)
                pending = []
                pendingElements = 0
            }
            pending.append(index)
            pendingElements += count
        }
        if !pending.isEmpty { try allReduceBucket(at: pending, of: &tensors, scale: scale) }
    }

    /// Tensors of at least this many floats are all-reduced on their own rather than packed into a
    /// bucket (64 Ki floats, 256 KiB: large enough that one collective's latency is small beside
    /// moving the data).
    public static let directElements = 1 << 16

    /// Replaces `values` with their element-wise sum or average over the ranks, in place, in
    /// buckets of at most `bucketElements`.
    /// - Throws: as ``allReduce(_:_:bucketElements:)``.
    public func allReduce(
        _ values: inout [Float], _ op: ReduceOperation = .average, bucketElements: Int = defaultBucketElements
    ) throws(DistributedError) {
        guard isDistributed else { return }
        try checkBucket(bucketElements)
        try checkSameCount(values.count, operation: "allReduce")
        let scale = 1 / Float(size)
        try values.withUnsafeMutableBufferPointer { (all: inout UnsafeMutableBufferPointer<Float>) throws(DistributedError) in
            var start = 0
            while start < all.count {
                let end = min(start + bucketElements, all.count)
                try communicator.allReduceSum(UnsafeMutableBufferPointer(rebasing: all[start..<end]))
                start = end
            }
            if op == .average { for i in all.indices { all[i] *= scale } }
        }
    }

    /// Replaces `values` with their element-wise sum or average over the ranks, in double precision.
    /// - Throws: as ``allReduce(_:_:bucketElements:)``.
    public func allReduce(_ values: inout [Double], _ op: ReduceOperation = .average) throws(DistributedError) {
        guard isDistributed else { return }
        try checkSameCount(values.count, operation: "allReduce")
        let scale = 1 / Double(size)
        try values.withUnsafeMutableBufferPointer { (all: inout UnsafeMutableBufferPointer<Double>) throws(DistributedError) in
            try communicator.allReduceSum(all)
            if op == .average { for i in all.indices { all[i] *= scale } }
        }
    }

    /// Sums or averages the gradients of `parameters` over the ranks, in place (the step between
    /// backward and the optimizer in data-parallel training). A parameter without a gradient
    /// contributes zeros, and receives the reduced gradient like the others. A large host gradient
    /// held by nothing but its parameter is reduced in its own memory (as by the `inout` overload
    /// of `allReduce`).
    /// - Throws: as ``allReduce(_:_:bucketElements:)``; the parameters keep their gradients,
    ///   reduced or not.
    public func allReduceGradients(
        of parameters: [any OptimizableParameter], _ op: ReduceOperation = .average,
        bucketElements: Int = defaultBucketElements
    ) throws(DistributedError) {
        var none: [Float] = []
        try allReduceGradients(of: parameters, op, alongWith: &none, bucketElements: bucketElements)
    }

    /// ``allReduceGradients(of:_:bucketElements:)`` that also reduces `values` with the same
    /// operation, in the same collectives (a step's loss terms travel in the last bucket of its
    /// gradients instead of a collective of their own).
    /// - Throws: as ``allReduceGradients(of:_:bucketElements:)``; `values` is unchanged after a
    ///   failure.
    public func allReduceGradients(
        of parameters: [any OptimizableParameter], _ op: ReduceOperation = .average, alongWith values: inout [Float],
        bucketElements: Int = defaultBucketElements
    ) throws(DistributedError) {
        guard isDistributed else { return }
        var tensors = parameters.map { $0.grad ?? Tensor.zeros(like: $0.value) }
        if !values.isEmpty { tensors.append(Tensor(values)) }
        // The parameters let go of their gradients for the reduction, so that each gradient's
        // memory is held once and reduced where it lies; they get them back, failure or not.
        for parameter in parameters { parameter.grad = nil }
        defer { for (parameter, gradient) in zip(parameters, tensors) { parameter.grad = gradient } }
        try allReduce(&tensors, op, bucketElements: bucketElements)
        if !values.isEmpty { values = tensors[parameters.count].scalars }
    }

    // MARK: - Broadcast

    /// Rank `root`'s tensors on every rank (each result on the device of this rank's input; the
    /// shapes must agree).
    /// - Throws: ``DistributedError/mismatch(operation:detail:)`` when the element counts differ,
    ///   ``DistributedError/invalidArgument(name:value:requirement:)`` for a root outside the group.
    public func broadcast(_ tensors: [Tensor], root: Int = 0) throws(DistributedError) -> [Tensor] {
        guard isDistributed else { return tensors }
        var flat = Self.flatten(tensors)
        try broadcastSameCount(&flat, root: root)
        return flat.withUnsafeBufferPointer { Self.unflatten($0, like: tensors) }
    }

    /// Copies rank `root`'s parameter values into every rank's parameters, in place (identical
    /// initial weights before data-parallel training).
    /// - Throws: as ``broadcast(_:root:)``.
    public func broadcastValues(of parameters: [any OptimizableParameter], root: Int = 0) throws(DistributedError) {
        guard isDistributed else { return }
        let values = parameters.map(\.value)
        var flat = Self.flatten(values)
        try broadcastSameCount(&flat, root: root)
        var offset = 0
        for (parameter, count) in zip(parameters, values.map(\.count)) {
            parameter.updateInPlace { storage in
                flat.withUnsafeBufferPointer { all in
                    storage.backend.upload(
                        UnsafeBufferPointer(rebasing: all[offset..<(offset + count)]), to: storage.buffer, offset: 0)
                }
                offset += count
            }
        }
    }

    /// Replaces `values` with rank `root`'s array (whose count may differ from this rank's).
    /// - Throws: ``DistributedError/invalidArgument(name:value:requirement:)`` for a root outside
    ///   the group, or the engine's failure.
    public func broadcast<T: BitwiseCopyable>(_ values: inout [T], root: Int = 0) throws(DistributedError) {
        guard isDistributed else { return }
        try checkRoot(root)
        var count = [Int64(values.count)]
        try typedThrows {
            try count.withUnsafeMutableBytes { bytes in
                try communicator.broadcast(bytes, root: root)
            }
        }
        if rank != root { values = [T](unsafeUninitializedCapacity: Int(count[0])) { _, n in n = Int(count[0]) } }
        try typedThrows {
            try values.withUnsafeMutableBytes { bytes in
                try communicator.broadcast(bytes, root: root)
            }
        }
    }

    // MARK: - All-gather

    /// Every rank's `tensor` stacked in rank order: shape `[size] + tensor.shape`, on this rank's
    /// device.
    /// - Throws: ``DistributedError/mismatch(operation:detail:)`` when the shapes differ.
    public func allGather(_ tensor: Tensor) throws(DistributedError) -> Tensor {
        guard isDistributed else { return tensor.reshaped([1] + tensor.shape) }
        let shapes = try allGather(tensor.shape.map(Int64.init))
        if let other = shapes.firstIndex(where: { $0 != shapes[rank] }) {
            throw .mismatch(
                operation: "allGather", detail: "rank \(rank) has shape \(tensor.shape), rank \(other) has \(shapes[other])")
        }
        let parts = try allGather(tensor.scalars)
        return Tensor(shape: [size] + tensor.shape, scalars: parts.flatMap { $0 }, backend: tensor.backend)
    }

    /// Every rank's `values` in rank order (the counts may differ between ranks).
    /// - Throws: the engine's failure.
    public func allGather<T: BitwiseCopyable>(_ values: [T]) throws(DistributedError) -> [[T]] {
        guard isDistributed else { return [values] }
        let counts = try gatherFixed([Int64(values.count)]).map { Int($0) }
        let longest = counts.max() ?? 0
        // Pad to the longest so that the engine moves equal blocks, then cut every block back.
        let padded = [T](unsafeUninitializedCapacity: longest) { buffer, n in
            UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            values.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            n = longest
        }
        let all = try gatherFixed(padded)
        return (0..<size).map { r in Array(all[(r * longest)..<(r * longest + counts[r])]) }
    }

    /// Returns once every rank has called it.
    /// - Throws: the engine's failure.
    public func barrier() throws(DistributedError) {
        guard isDistributed else { return }
        try communicator.barrier()
    }

    /// Ends the whole job after printing `message` (prefixed with this rank) to standard error.
    public func abort(_ message: String, exitCode: Int32 = 1) -> Never {
        communicator.abort("rank \(rank) of \(size): \(message)", exitCode: exitCode)
    }

    // MARK: - Private

    /// Equal-sized blocks from every rank, concatenated in rank order.
    private func gatherFixed<T: BitwiseCopyable>(_ values: [T]) throws(DistributedError) -> [T] {
        let total = values.count * size
        var result = [T](unsafeUninitializedCapacity: total) { buffer, n in
            UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            n = total
        }
        try typedThrows {
            try values.withUnsafeBytes { input in
                try result.withUnsafeMutableBytes { output in
                    try communicator.allGather(input, into: output)
                }
            }
        }
        return result
    }

    private func checkSameCount(_ count: Int, operation: String) throws(DistributedError) {
        try checkSameCounts([count], operation: operation)
    }

    /// Checks, the first time this list of element counts is seen, that every rank passes the same
    /// list (total, number of tensors and an FNV-1a digest of the counts are compared).
    private func checkSameCounts(_ counts: [Int], operation: String) throws(DistributedError) {
        if agreedCounts.withLock({ $0.contains(counts) }) { return }
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        for count in counts {
            digest = (digest ^ UInt64(bitPattern: Int64(count))) &* 0x100_0000_01b3
        }
        let total = counts.reduce(0, +)
        let mine = [Int64(total), Int64(counts.count), Int64(bitPattern: digest)]
        let all = try gatherFixed(mine)
        for other in 0..<size where Array(all[(other * 3)..<(other * 3 + 3)]) != mine {
            let detail =
                all[other * 3] != Int64(total)
                ? "rank \(rank) has \(total) elements, rank \(other) has \(all[other * 3])"
                : "rank \(rank) and rank \(other) both have \(total) elements, split into tensors of different sizes "
                    + "(rank \(rank): \(counts.count) tensors, rank \(other): \(all[other * 3 + 1]))"
            throw .mismatch(operation: operation, detail: detail)
        }
        agreedCounts.withLock { _ = $0.insert(counts) }
    }

    private func broadcastSameCount(_ flat: inout [Float], root: Int) throws(DistributedError) {
        try checkRoot(root)
        try checkSameCount(flat.count, operation: "broadcast")
        try typedThrows {
            try flat.withUnsafeMutableBytes { bytes in
                try communicator.broadcast(bytes, root: root)
            }
        }
    }

    private func checkRoot(_ root: Int) throws(DistributedError) {
        guard (0..<size).contains(root) else {
            throw .invalidArgument(name: "root", value: "\(root)", requirement: "must be in 0..<\(size) (the group's size)")
        }
    }

    private func checkBucket(_ elements: Int) throws(DistributedError) {
        guard elements >= 1 else {
            throw .invalidArgument(name: "bucketElements", value: "\(elements)", requirement: "must be ≥ 1")
        }
    }

    /// One large tensor's reduction into a new tensor on its device, in pieces of at most
    /// `bucketElements`: from its memory into the result's when it is contiguous host memory, or
    /// contiguous memory of a ``DeviceCommunicator``'s device; otherwise through a host staging
    /// buffer.
    private func allReduceAlone(_ tensor: Tensor, scale: Float?, bucketElements: Int) throws(DistributedError) -> Tensor {
        let count = tensor.count
        let backend = tensor.backend
        let output = backend.allocate(count: count)
        let result = Tensor(
            storage: TensorStorage(buffer: output, backend: backend), layout: StridedLayout(contiguous: tensor.shape))
        if tensor.isContiguous, let device = communicator as? any DeviceCommunicator, device.deviceBackend === backend {
            try reduceInPieces(of: bucketElements, count: count) { (range) throws(DistributedError) in
                try device.allReduceSum(
                    tensor.storage.buffer, offset: tensor.layout.offset + range.lowerBound, count: range.count,
                    into: output, at: range.lowerBound)
            }
            return scale.map { result * $0 } ?? result
        }
        if tensor.isContiguous, let input = tensor.storage.buffer as? CPUBuffer, let host = output as? CPUBuffer {
            let source = UnsafeBufferPointer(start: input.pointer + tensor.layout.offset, count: count)
            let target = UnsafeMutableBufferPointer(start: host.pointer, count: count)
            try reduceInPieces(of: bucketElements, count: count) { (range) throws(DistributedError) in
                try communicator.allReduceSum(
                    UnsafeBufferPointer(rebasing: source[range]), into: UnsafeMutableBufferPointer(rebasing: target[range]))
            }
            if let scale { for i in target.indices { target[i] *= scale } }
            return result
        }
        let staging = try HostStaging(count: count)
        Self.copy([tensor], into: staging.values)
        try reduceInPieces(of: bucketElements, count: count) { (range) throws(DistributedError) in
            try communicator.allReduceSum(UnsafeMutableBufferPointer(rebasing: staging.values[range]))
        }
        if let scale { for i in staging.values.indices { staging.values[i] *= scale } }
        backend.upload(UnsafeBufferPointer(staging.values), to: output, offset: 0)
        return result
    }

    /// One large contiguous host tensor reduced in its own memory (copied first when shared, as the
    /// `inout` overload of `allReduce` says), in pieces of at most `bucketElements`. Returns false,
    /// with the values unreduced, when that copy is not host memory (a backend whose new buffers
    /// live elsewhere): the caller then reduces it as any device tensor.
    private func reduceInOwnMemory(
        _ tensor: inout Tensor, scale: Float?, bucketElements: Int
    ) throws(DistributedError) -> Bool {
        let count = tensor.count
        var failure: DistributedError?
        var reduced = false
        tensor.updateInPlace { storage in
            // Unique, dense and at offset 0 now; the caller saw host memory, a copy may not be.
            guard let host = storage.buffer as? CPUBuffer else { return }
            reduced = true
            let values = UnsafeMutableBufferPointer(start: host.pointer, count: count)
            do throws(DistributedError) {
                try reduceInPieces(of: bucketElements, count: count) { (range) throws(DistributedError) in
                    try communicator.allReduceSum(UnsafeMutableBufferPointer(rebasing: values[range]))
                }
                if let scale { for i in values.indices { values[i] *= scale } }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return reduced
    }

    /// The small tensors at `positions` of `tensors` packed into one host buffer, reduced in one
    /// collective and unpacked into new tensors at the same positions.
    private func allReduceBucket(
        at positions: [Int], of tensors: inout [Tensor], scale: Float?
    ) throws(DistributedError) {
        let inputs = positions.map { tensors[$0] }
        let staging = try HostStaging(count: inputs.reduce(0) { $0 + $1.count })
        Self.copy(inputs, into: staging.values)
        try communicator.allReduceSum(staging.values)
        if let scale { for i in staging.values.indices { staging.values[i] *= scale } }
        for (position, tensor) in zip(positions, Self.unflatten(UnsafeBufferPointer(staging.values), like: inputs)) {
            tensors[position] = tensor
        }
    }

    /// Calls `body` on consecutive ranges of `0..<count`, each at most `piece` long.
    private func reduceInPieces(
        of piece: Int, count: Int, _ body: (Range<Int>) throws(DistributedError) -> Void
    ) throws(DistributedError) {
        var start = 0
        while start < count {
            let end = min(start + piece, count)
            try body(start..<end)
            start = end
        }
    }

    /// The tensors' elements, concatenated in row-major order (for broadcasts).
    static func flatten(_ tensors: [Tensor]) -> [Float] {
        let total = tensors.reduce(0) { $0 + $1.count }
        return [Float](unsafeUninitializedCapacity: total) { flat, initialized in
            copy(tensors, into: flat)
            initialized = total
        }
    }

    /// Copies the tensors' elements, concatenated in row-major order, into `flat` (whose count is
    /// their total): each contiguous tensor is copied once, straight from its buffer.
    static func copy(_ tensors: [Tensor], into flat: UnsafeMutableBufferPointer<Float>) {
        var offset = 0
        for tensor in tensors where tensor.count > 0 {
            let dense = tensor.isContiguous ? tensor : tensor.contiguous()
            dense.backend.download(
                dense.storage.buffer, offset: dense.layout.offset,
                into: UnsafeMutableBufferPointer(rebasing: flat[offset..<(offset + tensor.count)]))
            offset += tensor.count
        }
    }

    /// New contiguous tensors shaped like `tensors`, on their backends, holding consecutive runs of
    /// `flat` (one copy each, straight into the new buffers).
    static func unflatten(_ flat: UnsafeBufferPointer<Float>, like tensors: [Tensor]) -> [Tensor] {
        var offset = 0
        return tensors.map { tensor in
            let backend = tensor.backend
            let buffer = backend.allocate(count: tensor.count)
            if tensor.count > 0 {
                backend.upload(UnsafeBufferPointer(rebasing: flat[offset..<(offset + tensor.count)]), to: buffer, offset: 0)
            }
            offset += tensor.count
            return Tensor(
                storage: TensorStorage(buffer: buffer, backend: backend), layout: StridedLayout(contiguous: tensor.shape))
        }
    }
}

/// Host memory for staging a collective, taken from the CPU backend's buffer cache: the same
/// blocks come back step after step, so their pages stay mapped (a fresh multi-megabyte array per
/// step costs a page fault per 4 KiB, in this process and in the peer that reads it).
private struct HostStaging {
    /// Owns the memory for as long as the staging lives.
    private let buffer: CPUBuffer
    /// The staged floats.
    let values: UnsafeMutableBufferPointer<Float>

    /// - Throws: ``DistributedError/engineFailure(operation:code:message:)`` when the memory
    ///   cannot be allocated.
    init(count: Int) throws(DistributedError) {
        guard let buffer = CPUBackend.shared.allocate(count: count) as? CPUBuffer, !buffer.allocationFailed else {
            throw .engineFailure(
                operation: "allReduce", code: -1, message: "cannot allocate \(count) floats of host memory to stage")
        }
        self.buffer = buffer
        values = UnsafeMutableBufferPointer(start: buffer.pointer, count: count)
    }
}

/// The communicator of a group of one: every collective leaves its input as it is.
struct SingleProcessCommunicator: Communicator {
    var rank: Int { 0 }
    var size: Int { 1 }
    var engineName: String { "single process" }
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {}
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) {}
    func allGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) {
        result.copyMemory(from: bytes)
    }
    func barrier() {}
    func abort(_ message: String, exitCode: Int32) -> Never {
        writeStandardError("error: \(message)\n")
        exit(exitCode)
    }
}

/// `body`'s error, known to be a ``DistributedError`` (the standard library's `withUnsafe…Bytes`
/// rethrow untyped), thrown typed.
func typedThrows<T>(_ body: () throws -> T) throws(DistributedError) -> T {
    do { return try body() } catch let error as DistributedError { throw error } catch {
        throw .engineFailure(operation: "collective", code: -1, message: "\(error)")
    }
}

/// Writes `text` to standard error unbuffered (file descriptor 2).
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
