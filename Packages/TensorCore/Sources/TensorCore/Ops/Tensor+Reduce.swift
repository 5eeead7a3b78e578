// Reductions over axes.

extension Tensor {
    /// Normalises `axes` (negative counts from the end), reporting out-of-range or repeated axes.
    func normalizedAxes(_ axes: [Int], op: String) -> [Int]? {
        var result: [Int] = []
        for axis in axes {
            guard let a = ShapeRules.normalizedAxis(axis, rank: rank), rank > 0 else {
                reportTensorFailure(TensorError(op: op, "axis \(axis) is out of range for shape \(shape)"))
                return nil
            }
            guard !result.contains(a) else {
                reportTensorFailure(TensorError(op: op, "axis \(axis) is repeated in \(axes)"))
                return nil
            }
            result.append(a)
        }
        return result.sorted()
    }

    /// Reduces over sorted, valid `axes` with `op` (no autodiff recording); the result keeps
    /// size-1 dimensions in place of the reduced ones.
    func applyReduce(_ op: ReduceOp, axes: [Int]) -> Tensor {
        var keptShape = shape
        for a in axes { keptShape[a] = 1 }
        if axes.isEmpty || count == 0 {
            return op == .sum && count == 0 ? Tensor.full(keptShape, value: 0, backend: backend) : self
        }
        // Move reduced axes innermost, then reduce [outer, extent, 1] blocks.
        let kept = (0..<rank).filter { !axes.contains($0) }
        let source = permuted(kept + axes).contiguous()
        let extent = axes.reduce(1) { $0 * shape[$1] }
        let outer = count / extent
        let out = TensorStorage(count: outer, backend: backend)
        backend.reduce(op, source.storage.buffer, offset: 0, outer: outer, extent: extent, inner: 1, into: out.buffer)
        return Tensor(storage: out, layout: StridedLayout(contiguous: keptShape))
    }

    /// Sum over `axes` (all axes when `nil`); drops the reduced dimensions unless `keepingDimensions`.
    public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        guard let axes = normalizedAxes(axes ?? Array(0..<rank), op: "sum") else { return Tensor.zeros(like: self) }
        let kept = applyReduce(.sum, axes: axes)
        let result = keepingDimensions ? kept : kept.reshaped(shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
        let inputShape = shape
        let keptShape = kept.shape
        return Tensor.recorded(result, op: "sum", inputs: [self]) { g in
            [g.reshaped(keptShape).expanded(to: inputShape).contiguous()]
        }
    }
}
