// Constant padding.

extension Tensor {
    /// A copy with `padding[i].before` elements of `value` added before and `padding[i].after`
    /// after the elements of axis `rank − padding.count + i`: the entries pad the trailing axes,
    /// in axis order (`x.padded([(2, 2), (2, 2)])` pads H and W of an NCHW tensor by 2 on each
    /// side). Widths must be ≥ 0. The gradient is the matching slice of the upstream gradient.
    public func padded(_ padding: [(before: Int, after: Int)], value: Float = 0) -> Tensor {
        let op = "pad"
        let first = rank - padding.count
        var target = shape
        for (i, p) in padding.enumerated() where first + i >= 0 {
            target[first + i] += p.before + p.after
        }
        guard first >= 0, padding.allSatisfy({ $0.before >= 0 && $0.after >= 0 }) else {
            reportTensorFailure(
                TensorError(
                    .invalidArgument, op: op,
                    "padding \(padding.map { [$0.before, $0.after] }) does not fit shape "
                        + "\(shape) (one non-negative (before, after) pair per trailing axis)"))
            return placeholder(target)
        }
        let befores: [Int] = [Int](repeating: 0, count: first) + padding.map(\.before)
        @Sendable func interior(_ full: StridedLayout) -> StridedLayout {
            var region = full
            region.shape = shape
            region.offset += zip(befores, full.strides).reduce(0) { $0 + $1.0 * $1.1 }
            return region
        }
        let result = embedded(in: target, fill: value, region: interior)
        return Tensor.recorded(result, op: op, inputs: [self]) { g in
            [Tensor(storage: g.storage, layout: interior(g.layout))]
        }
    }
}
