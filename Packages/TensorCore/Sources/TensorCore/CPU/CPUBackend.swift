import CTensorKernels

/// Host memory for the CPU backend: 64-byte aligned Float32 elements, recycled through the buffer
/// cache (see ``CPUBackend/memoryCacheLimit``).
///
/// `@unchecked Sendable`: the pointer is written only (a) by the operation that allocated the
/// buffer, before the tensor wrapping it is returned, and (b) by in-place updates, which
/// ``Tensor/updateInPlace(_:)`` performs only on uniquely referenced storage. Concurrent readers
/// therefore never see a write in progress.
public final class CPUBuffer: DeviceBuffer, @unchecked Sendable {
    public let count: Int
    /// Start of the memory (valid for `count` elements; a distinct dummy pointer when `count == 0`).
    public let pointer: UnsafeMutablePointer<Float>

    init(count: Int) {
        self.count = count
        pointer = dt_cache_alloc_floats(count)
    }

    deinit { dt_cache_free_floats(pointer, count) }
}

/// The built-in CPU backend: C kernels with SIMD paths chosen at run time (AVX-512F, AVX2+FMA,
/// NEON, portable) and a persistent worker pool.
public final class CPUBackend: Backend {
    /// The one CPU backend of the process.
    public static let shared = CPUBackend()

    public var device: Device { .cpu }

    public var name: String {
        "CPU (\(String(cString: dt_isa_name(dt_active_isa()))), \(dt_thread_count()) threads)"
    }

    private init() {}

    @inline(__always) func cpu(_ buffer: any DeviceBuffer) -> CPUBuffer { unsafeDowncast(buffer, to: CPUBuffer.self) }

    public func allocate(count: Int) -> any DeviceBuffer { CPUBuffer(count: count) }

    public func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        guard let base = source.baseAddress, !source.isEmpty else { return }
        (cpu(buffer).pointer + offset).update(from: base, count: source.count)
    }

    public func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        guard let base = destination.baseAddress, !destination.isEmpty else { return }
        base.update(from: cpu(buffer).pointer + offset, count: destination.count)
    }

    public func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float) {
        (cpu(buffer).pointer + offset).update(repeating: value, count: count)
    }

    public func synchronize() {}
}
