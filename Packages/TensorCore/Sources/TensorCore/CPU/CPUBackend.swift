import CTensorKernels

/// Host memory for the CPU backend: 64-byte aligned Float32 elements, recycled through the buffer
/// cache (see ``CPUBackend/memoryCacheLimit``).
///
/// When the memory cannot be had (the machine's memory is exhausted, or the byte count overflows),
/// the buffer is still made, with ``allocationFailed`` set, ``count`` 0 and a pointer to no memory
/// of its own. Every ``CPUBackend`` primitive checks its buffers first and does nothing when one of
/// them failed: no kernel ever reads or writes through such a buffer, whatever layouts or offsets
/// it is given; downloads from it yield NaN, and outputs of a skipped primitive keep their contents.
/// The tensor layer reports the failure, naming the shape (``TensorError/Kind/outOfMemory``), so
/// that code in a checking scope runs on safely until the error is thrown.
///
/// `@unchecked Sendable`: the pointer is written only (a) by the operation that allocated the
/// buffer, before the tensor wrapping it is returned, and (b) by in-place updates, which
/// ``Tensor/updateInPlace(_:)`` performs only on uniquely referenced storage. Concurrent readers
/// therefore never see a write in progress.
public final class CPUBuffer: DeviceBuffer, @unchecked Sendable {
    /// Capacity in elements: the count requested, or 0 when the allocation failed.
    public let count: Int
    /// Start of the memory (valid for `count` elements; a distinct dummy pointer when `count == 0`;
    /// a shared pointer to no usable memory when ``allocationFailed``).
    public let pointer: UnsafeMutablePointer<Float>
    /// Whether the memory could not be allocated; the backend's primitives skip such a buffer.
    public let allocationFailed: Bool

    init(count: Int) {
        if count >= 0, let memory = dt_cache_alloc_floats(count) {
            self.count = count
            pointer = memory
            allocationFailed = false
        } else {
            self.count = 0
            pointer = unallocatedSentinel
            allocationFailed = true
        }
    }

    deinit { if !allocationFailed { dt_cache_free_floats(pointer, count) } }
}

/// What the pointer of a buffer whose allocation failed points at: one 64-byte block made once for
/// the process and never freed, which no primitive touches (they skip failed buffers).
/// `nonisolated(unsafe)`: written only by its lazy initialisation, which Swift runs once.
private nonisolated(unsafe) let unallocatedSentinel = UnsafeMutablePointer<Float>.allocate(capacity: 16)

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

    /// Whether none of `buffers` failed to allocate: every primitive returns at once otherwise (see
    /// ``CPUBuffer``). One check per call, none per element.
    @inline(__always) func allAllocated(_ a: any DeviceBuffer, _ b: any DeviceBuffer) -> Bool {
        !cpu(a).allocationFailed && !cpu(b).allocationFailed
    }

    /// ``allAllocated(_:_:)`` for three buffers.
    @inline(__always) func allAllocated(_ a: any DeviceBuffer, _ b: any DeviceBuffer, _ c: any DeviceBuffer) -> Bool {
        !cpu(a).allocationFailed && !cpu(b).allocationFailed && !cpu(c).allocationFailed
    }

    /// ``allAllocated(_:_:)`` for four buffers.
    @inline(__always) func allAllocated(
        _ a: any DeviceBuffer, _ b: any DeviceBuffer, _ c: any DeviceBuffer, _ d: any DeviceBuffer
    ) -> Bool {
        allAllocated(a, b) && allAllocated(c, d)
    }

    public func allocate(count: Int) -> any DeviceBuffer { CPUBuffer(count: count) }

    public func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        let buffer = cpu(buffer)
        guard let base = source.baseAddress, !source.isEmpty, !buffer.allocationFailed else { return }
        (buffer.pointer + offset).update(from: base, count: source.count)
    }

    /// Copies elements to the host; from a buffer whose allocation failed, NaN instead.
    public func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        let buffer = cpu(buffer)
        guard let base = destination.baseAddress, !destination.isEmpty else { return }
        guard !buffer.allocationFailed else {
            destination.update(repeating: .nan)
            return
        }
        base.update(from: buffer.pointer + offset, count: destination.count)
    }

    public func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float) {
        let buffer = cpu(buffer)
        guard !buffer.allocationFailed else { return }
        (buffer.pointer + offset).update(repeating: value, count: count)
    }

    public func synchronize() {}
}
