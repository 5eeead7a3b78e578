/// A device buffer together with the backend that owns it.
///
/// Tensors share storage when one is a view of another. Storage is immutable from the outside:
/// operations write only into buffers they have just allocated, and in-place updates
/// (``Tensor/updateInPlace(_:)``) first make the storage unique (copy-on-write).
public final class TensorStorage: Sendable {
    /// The memory, in Float32 elements.
    public let buffer: any DeviceBuffer
    /// The backend that allocated `buffer` and runs operations on it.
    public let backend: any Backend

    /// Wraps `buffer`, which `backend` must have allocated (its operations downcast it).
    public init(buffer: any DeviceBuffer, backend: any Backend) {
        self.buffer = buffer
        self.backend = backend
    }

    /// Fresh storage for a contiguous tensor of `shape`, which holds `count` elements (contents
    /// unspecified).
    ///
    /// A backend that cannot allocate the memory returns a buffer of fewer elements than requested
    /// (the CPU backend: a ``CPUBuffer`` with ``CPUBuffer/allocationFailed``, which its primitives
    /// skip). That is reported here, where the shape is known, as ``TensorError/Kind/outOfMemory``
    /// of `op`; the storage keeps the failed buffer, so code in a checking scope runs on without
    /// any kernel touching memory that does not exist. Outside a scope the report stops the process.
    convenience init(shape: [Int], count: Int, op: String, backend: any Backend) {
        let buffer = backend.allocate(count: count)
        if buffer.count < count {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
            reportTensorFailure(
                TensorError(
                    .outOfMemory, op: op,
                    "out of memory: cannot allocate a tensor of shape \(shape) "
                        + "(\(overflow ? "more than \(Int.max)" : "\(bytes)") bytes) on \(backend.device)"))
        }
        self.init(buffer: buffer, backend: backend)
    }

    /// The number of elements of `shape`, or `nil` when a dimension is negative or the product of
    /// the dimensions (zeros counted as 1, as ``StridedLayout/rowMajorStrides(_:)`` does) overflows
    /// `Int`: the check creation functions make before computing the layout of a user's shape.
    static func elementCount(of shape: [Int]) -> Int? {
        var product = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: Swift.max(extent, 1))
            guard !overflow else { return nil }
            product = next
        }
        return shape.contains(0) ? 0 : product
    }

    /// The message of an ``TensorError/Kind/invalidShape`` for a shape ``elementCount(of:)`` refuses
    /// for its size.
    static func overflowMessage(_ shape: [Int]) -> String {
        "shape \(shape) has more elements than an Int can count (more than \(Int.max))"
    }
}

/// Element type of a tensor. Only Float32 is implemented; the type exists so that more can follow.
public enum DType: String, Hashable, Sendable {
    /// 32-bit IEEE 754 floating point, 4 bytes per element.
    case float32
}
