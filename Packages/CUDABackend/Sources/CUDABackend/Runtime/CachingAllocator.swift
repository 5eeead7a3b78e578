import Synchronization
import TensorCore

/// Device memory with reuse: freed blocks go to per-size free lists instead of back to the
/// driver (`cuMemFree` synchronises the device and `cuMemAlloc` is slow), and a request of the
/// same size bucket takes one of them.
///
/// Reuse is safe without events because the backend runs all work on one stream: work that
/// used a block was queued before the block was released, so later work on the block follows it.
final class CachingAllocator: Sendable {
    /// A block of device memory of `bucketBytes` bytes.
    struct Block: Hashable, Sendable {
        let pointer: CUDADevicePointer
        let bucketBytes: Int
    }

    /// Counters for tests and reports.
    struct Statistics: Equatable, Sendable {
        /// Bytes handed out and not yet released.
        var liveBytes = 0
        /// Bytes held in the free lists.
        var cachedBytes = 0
        /// `cuMemAlloc` calls.
        var driverAllocations = 0
        /// `cuMemFree` calls.
        var driverFrees = 0
        /// Requests served from a free list.
        var reuses = 0
    }

    private struct State {
        var freeBlocks: [Int: [CUDADevicePointer]] = [:]
        var statistics = Statistics()
    }

    private let driver: any CUDADriverAPI
    private let state = Mutex(State())

    init(driver: any CUDADriverAPI) {
        self.driver = driver
    }

    /// The size class of a request: multiples of 512 bytes up to 4 KiB, then eight classes per
    /// doubling (at most 12.5 % unused), so blocks of similar sizes are interchangeable.
    static func bucketBytes(for byteCount: Int) -> Int {
        precondition(byteCount > 0, "bucketBytes(for:) needs a positive size")
        let small = 512
        if byteCount <= 4096 { return (byteCount + small - 1) / small * small }
        let highestBit = Int.bitWidth - 1 - byteCount.leadingZeroBitCount
        let step = max(small, 1 << (highestBit - 3))
        return (byteCount + step - 1) / step * step
    }

    var statistics: Statistics { state.withLock { $0.statistics } }

    /// A block of at least `byteCount` (> 0) bytes. The device's context must be current.
    ///
    /// - Throws: ``CUDAError`` when the device is out of memory even after the cache was emptied.
    func allocate(byteCount: Int) throws(CUDAError) -> Block {
        let bucket = Self.bucketBytes(for: byteCount)
        let reused: CUDADevicePointer? = state.withLock { state in
            guard let pointer = state.freeBlocks[bucket]?.popLast() else { return nil }
            state.statistics.cachedBytes -= bucket
            state.statistics.liveBytes += bucket
            state.statistics.reuses += 1
            return pointer
        }
        if let reused { return Block(pointer: reused, bucketBytes: bucket) }
        let pointer: CUDADevicePointer
        do throws(CUDAError) {
            pointer = try driver.allocate(byteCount: bucket)
        } catch  where error.code == CUDAStatus.outOfMemory {
            try emptyCache()
            pointer = try driver.allocate(byteCount: bucket)
        }
        state.withLock { state in
            state.statistics.liveBytes += bucket
            state.statistics.driverAllocations += 1
        }
        return Block(pointer: pointer, bucketBytes: bucket)
    }

    /// Returns `block` to its free list (no driver call; safe from any thread).
    func release(_ block: Block) {
        state.withLock { state in
            state.freeBlocks[block.bucketBytes, default: []].append(block.pointer)
            state.statistics.liveBytes -= block.bucketBytes
            state.statistics.cachedBytes += block.bucketBytes
        }
    }

    /// Frees every cached block with the driver. The device's context must be current.
    func emptyCache() throws(CUDAError) {
        let blocks = state.withLock { state in
            let all = state.freeBlocks.flatMap { bucket, pointers in pointers.map { Block(pointer: $0, bucketBytes: bucket) } }
            state.freeBlocks = [:]
            state.statistics.cachedBytes = 0
            state.statistics.driverFrees += all.count
            return all
        }
        for block in blocks { try driver.free(block.pointer) }
    }
}

/// Device memory of the CUDA backend: `count` Float32 elements at `address`.
public final class CUDABuffer: DeviceBuffer {
    public let count: Int
    /// Device address of element 0 (0 for an empty buffer).
    public let address: CUDADevicePointer
    private let block: CachingAllocator.Block?
    private let allocator: CachingAllocator

    init(count: Int, block: CachingAllocator.Block?, allocator: CachingAllocator) {
        self.count = count
        self.address = block?.pointer ?? 0
        self.block = block
        self.allocator = allocator
    }

    /// Device address of element `offset`.
    func address(at offset: Int) -> CUDADevicePointer { address + UInt64(offset * MemoryLayout<Float>.stride) }

    deinit {
        if let block { allocator.release(block) }
    }
}
