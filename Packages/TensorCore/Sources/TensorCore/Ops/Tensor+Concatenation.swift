// Joining tensors along an axis and splitting one into views.

extension Tensor {
    /// `tensors` joined along `axis` (negative counts from the end); all must share the device and
    /// every other dimension. The gradient of each input is its slice of the upstream gradient.
    public static func concatenated(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        let op = "concatenate"
        guard let first = tensors.first else {
            reportTensorFailure(TensorError(.invalidArgument, op: op, "needs at least one tensor"))
            return Tensor.zeros([0])
        }
        let shapes = tensors.map(\.shape)
        guard first.checkSameDevice(Array(tensors.dropFirst()), op: op) else { return first.placeholder(first.shape) }
        guard let a = first.normalizedAxis(axis, op: op) else { return first.placeholder(first.shape) }
        guard
            tensors.allSatisfy({
                $0.rank == first.rank
                    && $0.shape.enumerated().allSatisfy { d in
                        d.offset == a || d.element == first.shape[d.offset]
                    }
            })
        else {
            reportTensorFailure(TensorError(.shapeMismatch, op: op, "shapes \(shapes) differ outside axis \(axis)"))
            return first.placeholder(first.shape)
        }
        if tensors.count == 1 { return first }
        var target = first.shape
        target[a] = shapes.reduce(0) { $0 + $1[a] }
        let result = Tensor.uninitialized(target, backend: first.backend)
        var start = 0
        for t in tensors {
            if t.count > 0 {
                var region = result.layout
                region.shape = t.shape
                region.offset += start * result.strides[a]
                first.backend.copy(t.storage.buffer, t.layout, to: result.storage.buffer, region)
            }
            start += t.shape[a]
        }
        let needs = tensors.map(\.needsGradient)
        return recorded(result, op: op, inputs: tensors) { g in
            var offset = 0
            return shapes.indices.map { i in
                defer { offset += shapes[i][a] }
                return needs[i] ? g.strided(axis: a, start: offset, length: shapes[i][a], step: 1, op: op) : nil
            }
        }
    }

    /// Views of consecutive pieces of `axis` with the given sizes, which must add up to the
    /// length of the axis.
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        guard let a = normalizedAxis(axis, op: "split") else { return [self] }
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
            reportTensorFailure(
                TensorError(.invalidArgument, op: "split", "sizes \(sizes) do not add up to axis \(axis) of shape \(shape)"))
            return sizes.map { size in
                var piece = shape
                piece[a] = Swift.max(size, 0)
                return placeholder(piece)
            }
        }
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return narrowed(axis: a, start: start, length: size)
        }
    }

    /// `count` views along `axis` of ⌈length / count⌉ elements each, the last one shorter when the
    /// length does not divide evenly (fewer pieces when the length is small), as PyTorch's `chunk`.
    public func chunked(_ count: Int, axis: Int = 0) -> [Tensor] {
        guard let a = normalizedAxis(axis, op: "chunk") else { return [self] }
        guard count > 0 else {
            reportTensorFailure(
                TensorError(.invalidArgument, op: "chunk", "the number of chunks must be positive, got \(count) (shape \(shape))")
            )
            return [self]
        }
        let length = shape[a]
        let size = Swift.max((length + count - 1) / count, 1)
        let sizes = stride(from: 0, to: length, by: size).map { Swift.min(size, length - $0) }
        return split(sizes: sizes.isEmpty ? [0] : sizes, axis: a)
    }
}
