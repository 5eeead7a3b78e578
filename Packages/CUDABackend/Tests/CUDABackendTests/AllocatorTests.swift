@testable import CUDABackend
import Testing
import TensorCore

@Suite struct AllocatorTests {
    @Test func bucketsRoundUpWithBoundedWaste() {
        #expect(CachingAllocator.bucketBytes(for: 1) == 512)
        #expect(CachingAllocator.bucketBytes(for: 512) == 512)
        #expect(CachingAllocator.bucketBytes(for: 513) == 1024)
        #expect(CachingAllocator.bucketBytes(for: 4096) == 4096)
        #expect(CachingAllocator.bucketBytes(for: 4097) == 4608)
        #expect(CachingAllocator.bucketBytes(for: 1 << 20) == 1 << 20)
        #expect(CachingAllocator.bucketBytes(for: (1 << 20) + 1) == (1 << 20) + (1 << 17))
        for bytes in stride(from: 1, to: 50_000_000, by: 999_983) {
            let bucket = CachingAllocator.bucketBytes(for: bytes)
            #expect(bucket >= bytes && bucket % 512 == 0)
            #expect(bytes <= 4096 || Double(bucket - bytes) <= Double(bytes) * 0.125)
        }
    }

    @Test func releasedBlocksAreReused() throws {
        let device = try EmulatedDevice()
        var first: (any DeviceBuffer)? = device.backend.allocate(count: 1000)
        let address = (first as! CUDABuffer).address
        #expect(device.backend.allocatorStatistics.driverAllocations == 1)
        first = nil
        #expect(device.backend.allocatorStatistics.cachedBytes == 4096)
        let second = device.backend.allocate(count: 1010) as! CUDABuffer  // same 4096-byte bucket
        #expect(second.address == address)
        let statistics = device.backend.allocatorStatistics
        #expect(statistics.driverAllocations == 1 && statistics.reuses == 1 && statistics.liveBytes == 4096)
        let other = device.backend.allocate(count: 5000) as! CUDABuffer  // a different bucket
        #expect(other.address != address)
        #expect(device.backend.allocatorStatistics.driverAllocations == 2)
        #expect(device.backend.allocate(count: 0).count == 0)
        #expect(device.backend.allocatorStatistics.driverAllocations == 2)
    }

    @Test func outOfMemoryEmptiesTheCacheAndRetries() throws {
        var configuration = EmulatedCUDADriver.Configuration()
        configuration.memoryLimit = 8192
        let device = try EmulatedDevice(configuration)
        var cached: (any DeviceBuffer)? = device.backend.allocate(count: 1024)  // 4096 bytes
        cached = nil
        _ = cached
        #expect(device.driver.liveAllocations == 1)
        // 6144 bytes do not fit next to the cached 4096: the cache is returned to the driver first.
        let big = device.backend.allocate(count: 1536)
        #expect(big.count == 1536)
        #expect(device.driver.frees == 1)
        #expect(device.backend.allocatorStatistics.cachedBytes == 0)
    }

    @Test func emptyCacheFreesEveryCachedBlock() throws {
        let device = try EmulatedDevice()
        for count in [10, 2000, 70_000] { _ = device.backend.allocate(count: count) }
        #expect(device.driver.liveAllocations == 3)
        device.backend.emptyCache()
        #expect(device.driver.liveAllocations == 0)
        #expect(
            device.backend.allocatorStatistics
                == CachingAllocator.Statistics(
                    liveBytes: 0, cachedBytes: 0, driverAllocations: 3, driverFrees: 3, reuses: 0))
    }
}
