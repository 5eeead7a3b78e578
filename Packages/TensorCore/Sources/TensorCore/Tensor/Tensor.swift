/// An n-dimensional array of Float32 on a device, with optional reverse-mode autodiff.
///
/// `Tensor` is a value: copies share memory until one of them is updated in place, and views
/// (``reshaped(_:)``, ``transposed(_:_:)``, slices, ``expanded(to:)``) share the buffer without copying.
/// Operations check their arguments and report misuse naming the operation and the shapes
/// (see ``withTensorChecking(_:)`` to turn that into a thrown error).
///
/// ```swift
/// var w = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
/// w.requiresGrad = true
/// let loss = (w * w).sum()
/// loss.backward()
/// print(w.grad!.scalars)   // [2, 4, 6, 8]
/// ```
public struct Tensor: Sendable {
    /// Memory and the backend it belongs to.
    public internal(set) var storage: TensorStorage
    /// How indices map to the buffer.
    public internal(set) var layout: StridedLayout
    /// Autodiff node: set on leaves that require gradients and on results of recorded operations.
    var gradNode: GradNode?

    /// Wraps existing storage (no copy).
    public init(storage: TensorStorage, layout: StridedLayout) {
        self.storage = storage
        self.layout = layout
        self.gradNode = nil
    }

    /// Extent of each dimension.
    public var shape: [Int] { layout.shape }
    /// Element step of each dimension (in elements).
    public var strides: [Int] { layout.strides }
    /// Number of dimensions.
    public var rank: Int { layout.rank }
    /// Number of elements.
    public var count: Int { layout.count }
    /// The element type (always ``DType/float32`` for now).
    public var dtype: DType { .float32 }
    /// Where the tensor's memory lives.
    public var device: Device { storage.backend.device }
    /// The backend that computes operations on this tensor.
    package var backend: any Backend { storage.backend }
    /// True when the elements are densely packed in row-major order.
    public var isContiguous: Bool { layout.isContiguous }
}

// MARK: - Host data

extension Tensor {
    /// A contiguous tensor holding `scalars` in row-major order on `device` (the CPU by default).
    ///
    /// `scalars.count` must equal the product of `shape` (reported as a ``TensorError`` otherwise).
    /// `device` must be available: check it with ``Device/checkAvailable()`` where it is chosen
    /// (an unavailable device stops the process as a programmer error).
    public init(shape: [Int], scalars: [Float], device: Device = .cpu) {
        self.init(shape: shape, scalars: scalars, backend: device.resolvedBackend)
    }

    /// A contiguous tensor holding `scalars` on `backend`'s device.
    package init(shape: [Int], scalars: [Float], backend: any Backend) {
        let op = "Tensor(shape:scalars:)"
        var shape = shape
        var scalars = scalars
        if let bad = shape.first(where: { $0 < 0 }) {
            reportTensorFailure(TensorError(.invalidShape, op: op, "negative dimension \(bad) in shape \(shape)"))
            shape = [0]; scalars = []
        } else if TensorStorage.elementCount(of: shape) == nil {
            reportTensorFailure(TensorError(.invalidShape, op: op, TensorStorage.overflowMessage(shape)))
            shape = [0]; scalars = []
        } else if let count = TensorStorage.elementCount(of: shape), count != scalars.count {
            reportTensorFailure(
                TensorError(
                    .invalidShape, op: op,
                    "shape \(shape) holds \(count) elements but \(scalars.count) scalars were given"))
            // Zeros of the shape, allocated like any tensor's (a shape too large fails gracefully).
            self = Tensor.full(shape, value: 0, backend: backend)
            return
        }
        let storage = TensorStorage(shape: shape, count: scalars.count, op: op, backend: backend)
        scalars.withUnsafeBufferPointer { backend.upload($0, to: storage.buffer, offset: 0) }
        self.init(storage: storage, layout: StridedLayout(contiguous: shape))
    }

    /// A 0-dimensional tensor holding `value` on `device` (the CPU by default; see ``init(shape:scalars:device:)``).
    public init(_ value: Float, device: Device = .cpu) {
        self.init(shape: [], scalars: [value], device: device)
    }

    /// A 1-dimensional tensor holding `values` on `device` (the CPU by default; see ``init(shape:scalars:device:)``).
    public init(_ values: [Float], device: Device = .cpu) {
        self.init(shape: [values.count], scalars: values, device: device)
    }

    /// The elements in row-major order, copied to the host (waits for the device).
    public var scalars: [Float] {
        let dense = contiguousLayoutOnly()
        let n = dense.count
        return [Float](unsafeUninitializedCapacity: n) { pointer, initialized in
            dense.backend.download(
                dense.storage.buffer, offset: dense.layout.offset,
                into: UnsafeMutableBufferPointer(rebasing: pointer[0..<n]))
            initialized = n
        }
    }

    /// The single element of a one-element tensor (reported as a ``TensorError`` otherwise; NaN then).
    public func item() -> Float {
        guard count == 1 else {
            reportTensorFailure(TensorError(.shapeMismatch, op: "item", "expected exactly one element, got shape \(shape)"))
            return .nan
        }
        return scalars[0]
    }

    /// A contiguous copy (without autodiff history) used internally for host reads.
    private func contiguousLayoutOnly() -> Tensor {
        if layout.isContiguous { return self }
        let out = TensorStorage(shape: shape, count: count, op: "scalars", backend: backend)
        backend.copy(storage.buffer, layout, to: out.buffer, StridedLayout(contiguous: shape))
        return Tensor(storage: out, layout: StridedLayout(contiguous: shape))
    }
}

// MARK: - Creation

extension Tensor {
    /// A contiguous tensor of `shape` filled with `value` on `backend`'s device.
    package static func full(_ shape: [Int], value: Float, backend: any Backend) -> Tensor {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            reportTensorFailure(TensorError(.invalidShape, op: "full", "negative dimension in shape \(shape)"))
            return full([0], value: value, backend: backend)
        }
        guard let count = TensorStorage.elementCount(of: shape) else {
            reportTensorFailure(TensorError(.invalidShape, op: "full", TensorStorage.overflowMessage(shape)))
            return full([0], value: value, backend: backend)
        }
        let layout = StridedLayout(contiguous: shape)
        let storage = TensorStorage(shape: shape, count: count, op: "full", backend: backend)
        backend.fill(storage.buffer, offset: 0, count: layout.count, value: value)
        return Tensor(storage: storage, layout: layout)
    }

    /// A contiguous tensor of `shape` filled with `value` on `device` (the CPU by default).
    ///
    /// A negative dimension or a shape too large to count is reported as a ``TensorError``.
    /// `device` must be available: check it with ``Device/checkAvailable()`` where it is chosen
    /// (an unavailable device stops the process as a programmer error).
    public static func full(_ shape: [Int], value: Float, device: Device = .cpu) -> Tensor {
        full(shape, value: value, backend: device.resolvedBackend)
    }

    /// A tensor of zeros of `shape` on `device` (the CPU by default); see ``full(_:value:device:)``.
    public static func zeros(_ shape: [Int], device: Device = .cpu) -> Tensor { full(shape, value: 0, device: device) }
    /// A tensor of ones of `shape` on `device` (the CPU by default); see ``full(_:value:device:)``.
    public static func ones(_ shape: [Int], device: Device = .cpu) -> Tensor { full(shape, value: 1, device: device) }
    /// Zeros with the shape and device of `other`.
    public static func zeros(like other: Tensor) -> Tensor { full(other.shape, value: 0, backend: other.backend) }
    /// Ones with the shape and device of `other`.
    public static func ones(like other: Tensor) -> Tensor { full(other.shape, value: 1, backend: other.backend) }

    /// `[start, start + step, …]` below `end` (exclusive), as a 1-D tensor on `device` (the CPU by default).
    ///
    /// A step that never reaches `end` is reported as a ``TensorError`` (an empty tensor then).
    /// `device` must be available: check it with ``Device/checkAvailable()`` where it is chosen.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1, device: Device = .cpu) -> Tensor {
        guard step != 0, (end - start) / step >= 0 else {
            reportTensorFailure(TensorError(.invalidArgument, op: "arange", "step \(step) never reaches \(end) from \(start)"))
            return Tensor(shape: [0], scalars: [], device: device)
        }
        let n = Int(((end - start) / step).rounded(.up))
        return Tensor(shape: [n], scalars: (0..<n).map { start + Float($0) * step }, device: device)
    }
}

// MARK: - Devices and layout

extension Tensor {
    /// A copy of this tensor on `device` (the same tensor when it is already there).
    /// Differentiable: the gradient flows back to the source device.
    ///
    /// - Throws: ``DeviceError/unavailable(_:reason:)`` when `device` has no backend.
    public func to(_ device: Device) throws(DeviceError) -> Tensor {
        if device == self.device { return self }
        let target = try BackendRegistry.shared.backend(for: device)
        let host = scalars
        let moved = Tensor(shape: shape, scalars: host, backend: target)
        let sourceBackend = backend
        return Tensor.recorded(moved, op: "to(\(device))", inputs: [self]) { grad in
            [Tensor(shape: grad.shape, scalars: grad.scalars, backend: sourceBackend)]
        }
    }

    /// A row-major copy when the tensor is not already contiguous at offset 0; differentiable.
    public func contiguous() -> Tensor {
        if layout.isContiguous && layout.offset == 0 { return self }
        let out = TensorStorage(shape: shape, count: count, op: "contiguous", backend: backend)
        backend.copy(storage.buffer, layout, to: out.buffer, StridedLayout(contiguous: shape))
        let result = Tensor(storage: out, layout: StridedLayout(contiguous: shape))
        return Tensor.recorded(result, op: "contiguous", inputs: [self]) { grad in [grad] }
    }

    /// Applies `update` to this tensor's buffer in place, first copying the storage when it is
    /// shared with another tensor or not a dense row-major block (copy-on-write). Used by optimizers.
    /// The closure receives the unique storage; the layout is contiguous at offset 0 afterwards.
    public mutating func updateInPlace(_ update: (TensorStorage) -> Void) {
        if !isKnownUniquelyReferenced(&storage) || !layout.isContiguous || layout.offset != 0
            || storage.buffer.count != count
        {
            let fresh = TensorStorage(shape: shape, count: count, op: "updateInPlace", backend: backend)
            backend.copy(storage.buffer, layout, to: fresh.buffer, StridedLayout(contiguous: shape))
            storage = fresh
            layout = StridedLayout(contiguous: shape)
        }
        update(storage)
    }
}

extension Tensor: CustomStringConvertible {
    /// Shape, device and (for small tensors) the values.
    public var description: String {
        let values = count <= 16 ? " \(scalars)" : ""
        return "Tensor(shape: \(shape), device: \(device))\(values)"
    }
}
