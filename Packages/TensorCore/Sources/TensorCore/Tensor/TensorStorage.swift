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

    /// Fresh storage of `count` elements (contents unspecified).
    convenience init(count: Int, backend: any Backend) {
        self.init(buffer: backend.allocate(count: count), backend: backend)
    }
}

/// Element type of a tensor. Only Float32 is implemented; the type exists so that more can follow.
public enum DType: String, Hashable, Sendable {
    /// 32-bit IEEE 754 floating point, 4 bytes per element.
    case float32
}
