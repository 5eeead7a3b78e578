import CTensorKernels
import Testing
@testable import TensorCore

// The CPU buffer cache (alloc_cache.c): size classes, reuse of freed blocks, the limit, and use
// from several threads. The cache is process-wide and other tests allocate concurrently, so these
// tests use sizes no other test uses and never assume the cache is otherwise empty.

@Suite(.serialized) struct MemoryCacheTests {
    /// Requests below 16 KiB bypass the cache; above, four classes per power of two bound the waste by 25%.
    @Test func sizeClassesRoundUpByAtMostAQuarter() {
        #expect(dt_cache_class_bytes(0) == 0)
        #expect(dt_cache_class_bytes(4095) == 0)
        #expect(dt_cache_class_bytes(4096) == 16384)
        #expect(dt_cache_class_bytes(4097) == 20480)
        #expect(dt_cache_class_bytes(8192) == 32768)
        #expect(dt_cache_class_bytes(8193) == 40960)
        #expect(dt_cache_class_bytes(15000) == 65536)
        for count in stride(from: 4096, through: 50_000_000, by: 99_991) {
            let bytes = count * MemoryLayout<Float>.size
            let classBytes = dt_cache_class_bytes(count)
            #expect(classBytes >= bytes && classBytes <= bytes + bytes / 4, "count \(count): class \(classBytes)")
        }
    }

    /// A freed block serves the next request of its class: the same memory comes back.
    @Test func aFreedBlockIsReusedForTheSameClass() {
        let count = 3_001_003  // a size class no other test uses
        let first = dt_cache_alloc_floats(count)!
        first[count - 1] = 42
        dt_cache_free_floats(first, count)
        let second = dt_cache_alloc_floats(count - 7)!  // same class, smaller request
        #expect(second == first)
        second[count - 8] = 1  // the whole request is usable
        dt_cache_free_floats(second, count - 7)
    }

    /// Tensors recycle buffers through the cache: a freed tensor's memory is cached, not returned.
    @Test func freedTensorsLeaveTheirBuffersInTheCache() {
        let count = 1_234_567  // a size class no other test uses
        do {
            let tensor = Tensor.full([count], value: 1)
            #expect(tensor.scalars[count - 1] == 1)
        }
        // The next request of the class gets the tensor's block back, its ones still in it (fresh
        // memory is zeros). The total of cached bytes would not tell: other tests running at the
        // same time take and return blocks of other classes between any two readings of it.
        let block = dt_cache_alloc_floats(count)!
        #expect(block[count - 1] == 1 || CPUBackend.memoryCacheLimit < Int(dt_cache_class_bytes(count)))
        dt_cache_free_floats(block, count)
    }

    /// A limit of 0 disables caching and releases what was cached; the previous limit is restored.
    @Test func theLimitBoundsWhatIsKept() {
        let previous = CPUBackend.memoryCacheLimit
        defer { CPUBackend.memoryCacheLimit = previous }
        let count = 2_000_003
        dt_cache_free_floats(dt_cache_alloc_floats(count), count)
        CPUBackend.memoryCacheLimit = 0
        #expect(CPUBackend.memoryCacheLimit == 0)
        #expect(CPUBackend.cachedMemoryBytes == 0)
        dt_cache_free_floats(dt_cache_alloc_floats(count), count)
        #expect(CPUBackend.cachedMemoryBytes == 0)
        CPUBackend.memoryCacheLimit = previous
        #expect(CPUBackend.memoryCacheLimit == previous)
    }

    /// Releasing frees every cached block; memory in use is untouched.
    @Test func releaseKeepsLiveTensors() {
        let live = Tensor.full([700_001], value: 3)
        do { _ = Tensor.full([700_001], value: 4) }
        CPUBackend.releaseCachedMemory()
        #expect(live.scalars.allSatisfy { $0 == 3 })
    }

    /// Allocation and release from several threads at once keep every block intact and distinct.
    @Test func concurrentUseKeepsBlocksDistinct() async {
        await withTaskGroup(of: Bool.self) { group in
            for task in 0..<4 {
                group.addTask {
                    var intact = true
                    for round in 0..<200 {
                        let count = 5_000 + (round % 5) * 4_000
                        let pointers = (0..<3).map { _ in dt_cache_alloc_floats(count)! }
                        for (index, pointer) in pointers.enumerated() {
                            pointer.update(repeating: Float(task * 10 + index), count: count)
                        }
                        for (index, pointer) in pointers.enumerated() {
                            intact =
                                intact && pointer[0] == Float(task * 10 + index)
                                && pointer[count - 1] == Float(task * 10 + index)
                            dt_cache_free_floats(pointer, count)
                        }
                    }
                    return intact
                }
            }
            for await intact in group { #expect(intact) }
        }
    }
}
