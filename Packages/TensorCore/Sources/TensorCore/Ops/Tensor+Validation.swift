// Helpers shared by the tensor operations: argument checks that report misuse, placeholders
// returned after a reported failure, and small constructors on a given backend.

extension Tensor {
    /// Reports a failure of `op` when `others` are not all on this tensor's device; returns whether
    /// they are.
    func checkSameDevice(_ others: [Tensor], op: String) -> Bool {
        for other in others where other.device != device {
            reportTensorFailure(
                TensorError(
                    .deviceMismatch, op: op,
                    "operands are on different devices (\(device) and \(other.device), "
                        + "shapes \(shape) and \(other.shape)); move one with .to(_:) first"))
            return false
        }
        return true
    }

    /// Zeros of `shape` (negative dimensions taken as 0) on this tensor's backend: what an
    /// operation returns after reporting a failure, so that code in a checking scope runs on.
    func placeholder(_ shape: [Int]) -> Tensor {
        Tensor.full(shape.map { Swift.max($0, 0) }, value: 0, backend: backend)
    }

    /// A contiguous tensor of `shape` on `backend` whose elements the caller writes next.
    /// When the memory cannot be allocated, `op` reports ``TensorError/Kind/outOfMemory`` and the
    /// tensor has no memory: the backend skips every primitive on it (see ``TensorStorage``).
    static func uninitialized(_ shape: [Int], op: String = "allocate", backend: any Backend) -> Tensor {
        let layout = StridedLayout(contiguous: shape)
        return Tensor(storage: TensorStorage(shape: shape, count: layout.count, op: op, backend: backend), layout: layout)
    }

    /// A 0-dimensional tensor holding `value` on this tensor's backend (for comparisons and
    /// selections with a scalar operand).
    func scalarLike(_ value: Float) -> Tensor {
        Tensor.full([], value: value, backend: backend)
    }

    /// `[0, 1, …, count − 1]` as a 1-D tensor on this tensor's backend.
    func indicesLike(_ count: Int) -> Tensor {
        Tensor(shape: [count], scalars: (0..<count).map { Float($0) }, backend: backend)
    }

    /// Whether the tensor takes part in autodiff (a leaf with ``requiresGrad`` or a recorded result).
    var needsGradient: Bool { gradNode != nil }

    /// A normalised axis, or a reported failure naming `op` and the shape.
    func normalizedAxis(_ axis: Int, op: String) -> Int? {
        guard let a = ShapeRules.normalizedAxis(axis, rank: rank), rank > 0 else {
            reportTensorFailure(TensorError(.axisOutOfRange, op: op, "axis \(axis) is out of range for shape \(shape)"))
            return nil
        }
        return a
    }

    /// A new contiguous tensor of `shape` filled with `fill`, with this tensor's elements copied
    /// into the view of it that `region` makes from its contiguous layout (the view has this
    /// tensor's shape). Not recorded for autodiff: callers record their own rule.
    func embedded(in shape: [Int], fill: Float, region: (StridedLayout) -> StridedLayout) -> Tensor {
        let result = Tensor.full(shape, value: fill, backend: backend)
        if count > 0 {
            backend.copy(storage.buffer, layout, to: result.storage.buffer, region(result.layout))
        }
        return result
    }
}
