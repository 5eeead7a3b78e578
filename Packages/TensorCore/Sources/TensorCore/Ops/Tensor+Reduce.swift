// Reductions over any set of axes (sum, mean, max, min, variance) and arg-extremes along one axis.

extension Tensor {
    /// Normalises `axes` (negative counts from the end) and sorts them, reporting out-of-range or
    /// repeated axes.
    func normalizedAxes(_ axes: [Int], op: String) -> [Int]? {
        var result: [Int] = []
        for axis in axes {
            guard let a = ShapeRules.normalizedAxis(axis, rank: rank), rank > 0 else {
                reportTensorFailure(TensorError(.axisOutOfRange, op: op, "axis \(axis) is out of range for shape \(shape)"))
                return nil
            }
            guard !result.contains(a) else {
                reportTensorFailure(TensorError(.invalidArgument, op: op, "axis \(axis) is repeated in \(axes) (shape \(shape))"))
                return nil
            }
            result.append(a)
        }
        return result.sorted()
    }

    /// The shape with the reduced `axes` set to 1 (kept) or removed.
    func reducedShape(_ axes: [Int], keepingDimensions: Bool) -> [Int] {
        keepingDimensions
            ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
            : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Reduces over sorted, valid `axes` with an associative `op` (sum, max, min; no autodiff
    /// recording); the result keeps size-1 dimensions in place of the reduced ones. Callers make
    /// sure that no reduced axis is empty for max and min.
    ///
    /// Without copying the input to another order: the dimensions (size-1 ones dropped) form
    /// alternating groups of kept and reduced axes, and each reduced group is one backend pass
    /// over an `[outer, extent, inner]` block, innermost group first.
    func applyReduce(_ op: ReduceOp, axes: [Int]) -> Tensor {
        let keptShape = reducedShape(axes, keepingDimensions: true)
        if count == 0 { return Tensor.full(keptShape, value: 0, backend: backend) }
        if axes.allSatisfy({ shape[$0] == 1 }) { return detached().reshaped(keptShape) }
        var groups: [(size: Int, reduced: Bool)] = []
        for d in 0..<rank where shape[d] != 1 {
            let reduced = axes.contains(d)
            if let last = groups.last, last.reduced == reduced {
                groups[groups.count - 1].size *= shape[d]
            } else {
                groups.append((shape[d], reduced))
            }
        }
        var current = layout.isContiguous ? detached() : detached().contiguous()
        for g in stride(from: groups.count - 1, through: 0, by: -1) where groups[g].reduced {
            let outer = groups[..<g].reduce(1) { $0 * $1.size }
            let inner = groups[(g + 1)...].reduce(1) { $0 * $1.size }
            let out = Tensor.uninitialized([outer * inner], backend: backend)
            backend.reduce(
                op, current.storage.buffer, offset: current.layout.offset, outer: outer,
                extent: groups[g].size, inner: inner, into: out.storage.buffer)
            groups[g].size = 1
            current = out
        }
        return current.reshaped(keptShape)
    }

    /// Sum over `axes` (all axes when `nil`); drops the reduced dimensions unless `keepingDimensions`.
    /// Accumulates in double on the CPU; a sum over axes that are not the last ones (such as a bias
    /// gradient's, over the batch) adds double-precision leaves of up to 32 rows as a balanced tree,
    /// so that for `h > 16` the sum over `2h` rows is, bit for bit, the sum over the first `h` plus
    /// the sum over the last `h`.
    public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        guard let axes = normalizedAxes(axes ?? Array(0..<rank), op: "sum") else { return placeholder([]) }
        let kept = applyReduce(.sum, axes: axes)
        let result = keepingDimensions ? kept : kept.reshaped(reducedShape(axes, keepingDimensions: false))
        let (inputShape, keptShape) = (shape, kept.shape)
        return Tensor.recorded(result, op: "sum", inputs: [self]) { g in
            [g.reshaped(keptShape).expanded(to: inputShape)]
        }
    }

    /// Mean over `axes` (all axes when `nil`); NaN when the reduced axes hold no element.
    public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        guard let axes = normalizedAxes(axes ?? Array(0..<rank), op: "mean") else { return placeholder([]) }
        let n = axes.reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Float(n))
    }

    /// Variance over `axes` (all axes when `nil`): the mean squared deviation from the mean,
    /// divided by `n − 1` when `unbiased` (Bessel's correction, PyTorch's default) or by `n`.
    /// NaN for a single element when `unbiased`.
    ///
    /// The gradient is PyTorch's `2 (x − mean) / divisor` (the mean's own term sums to zero), so an
    /// infinite element makes only its own gradient NaN, not its whole group's.
    public func variance(axes: [Int]? = nil, unbiased: Bool = true, keepingDimensions: Bool = false) -> Tensor {
        guard let axes = normalizedAxes(axes ?? Array(0..<rank), op: "variance") else { return placeholder([]) }
        let n = axes.reduce(1) { $0 * shape[$1] }
        let divisor = unbiased ? n - 1 : n
        let x = detached()
        let (deviation, result) = withNoGrad { () -> (Tensor, Tensor) in
            let deviation = x - x.mean(axes: axes, keepingDimensions: true)
            let squares = (deviation * deviation).sum(axes: axes, keepingDimensions: keepingDimensions)
            return (deviation, divisor > 0 ? squares / Float(divisor) : squares * Float.nan)
        }
        let keptShape = reducedShape(axes, keepingDimensions: true)
        return Tensor.recorded(result, op: "variance", inputs: [self]) { g in
            [g.reshaped(keptShape) * (deviation * (2 / Float(divisor)))]
        }
    }

    /// Maximum over `axes` (all axes when `nil`); NaN where a NaN is present. The gradient goes to
    /// the first maximal element of each reduced group.
    public func max(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        extreme(.max, arg: .argmax, axes: axes, keepingDimensions: keepingDimensions, name: "max")
    }

    /// Minimum over `axes` (all axes when `nil`); NaN where a NaN is present. The gradient goes to
    /// the first minimal element of each reduced group.
    public func min(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        extreme(.min, arg: .argmin, axes: axes, keepingDimensions: keepingDimensions, name: "min")
    }

    private func extreme(_ op: ReduceOp, arg: ReduceOp, axes: [Int]?, keepingDimensions: Bool, name: String) -> Tensor {
        guard let axes = normalizedAxes(axes ?? Array(0..<rank), op: name) else { return placeholder([]) }
        let resultShape = reducedShape(axes, keepingDimensions: keepingDimensions)
        guard axes.allSatisfy({ shape[$0] > 0 }) else {
            reportTensorFailure(
                TensorError(.shapeMismatch, op: name, "cannot reduce over an empty axis: axes \(axes) of shape \(shape)"))
            return placeholder(resultShape)
        }
        let kept = applyReduce(op, axes: axes)
        let result = keepingDimensions ? kept : kept.reshaped(resultShape)
        let x = detached()
        let keptShape = kept.shape
        return Tensor.recorded(result, op: name, inputs: [self]) { g in
            // Move the reduced axes last, find the first extreme of each row, and send the
            // gradient there: [outer, extent] one-hot rows times g, moved back.
            let keptAxes = (0..<x.rank).filter { !axes.contains($0) }
            let order = keptAxes + axes
            let moved = x.permuted(order)
            let extent = axes.reduce(1) { $0 * x.shape[$1] }
            let rows = moved.reshaped([-1, extent])
            let index = rows.applyArgReduce(arg, axis: 1)  // [outer, 1]
            let oneHot = x.indicesLike(extent).reshaped([1, extent]) .== index  // [outer, extent]
            let spread = oneHot * g.reshaped(keptShape).reshaped([-1, 1])
            var inverse = [Int](repeating: 0, count: order.count)
            for (i, o) in order.enumerated() { inverse[o] = i }
            return [spread.reshaped(moved.shape).permuted(inverse)]
        }
    }

    /// Index of the first extreme along valid `axis`, keeping it with size 1 (not recorded).
    func applyArgReduce(_ op: ReduceOp, axis: Int) -> Tensor {
        let source = layout.isContiguous ? detached() : detached().contiguous()
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var keptShape = shape
        keptShape[axis] = 1
        let out = Tensor.uninitialized(keptShape, backend: backend)
        if out.count > 0 {
            backend.reduce(
                op, source.storage.buffer, offset: source.layout.offset, outer: outer, extent: shape[axis],
                inner: inner, into: out.storage.buffer)
        }
        return out
    }

    /// Index (as Float) of the first maximum along `axis`, or of the flattened tensor when `nil`.
    /// A NaN counts as the maximum. No gradient.
    public func argmax(axis: Int? = nil, keepingDimensions: Bool = false) -> Tensor {
        argExtreme(.argmax, axis: axis, keepingDimensions: keepingDimensions, name: "argmax")
    }

    /// Index (as Float) of the first minimum along `axis`, or of the flattened tensor when `nil`.
    /// A NaN counts as the minimum. No gradient.
    public func argmin(axis: Int? = nil, keepingDimensions: Bool = false) -> Tensor {
        argExtreme(.argmin, axis: axis, keepingDimensions: keepingDimensions, name: "argmin")
    }

    private func argExtreme(_ op: ReduceOp, axis: Int?, keepingDimensions: Bool, name: String) -> Tensor {
        guard let axis else {
            let resultShape = keepingDimensions ? [Int](repeating: 1, count: rank) : []
            guard count > 0 else {
                reportTensorFailure(
                    TensorError(.shapeMismatch, op: name, "cannot take \(name) of an empty tensor of shape \(shape)"))
                return placeholder(resultShape)
            }
            return reshaped([count]).applyArgReduce(op, axis: 0).reshaped(resultShape)
        }
        guard let a = normalizedAxis(axis, op: name) else { return placeholder([]) }
        let resultShape = reducedShape([a], keepingDimensions: keepingDimensions)
        guard shape[a] > 0 else {
            reportTensorFailure(
                TensorError(.shapeMismatch, op: name, "cannot take \(name) over empty axis \(axis) of shape \(shape)"))
            return placeholder(resultShape)
        }
        return applyArgReduce(op, axis: a).reshaped(resultShape)
    }

    /// Sums a broadcast gradient back down to `target` (the inverse of broadcasting): the sum over
    /// the leading dimensions `target` lacks and over its size-1 dimensions, reshaped to `target`.
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        guard lead >= 0, ShapeRules.broadcast(target, shape) == shape else {
            reportTensorFailure(TensorError(.invalidShape, op: "sum(toShape:)", "shape \(shape) is not a broadcast of \(target)"))
            return placeholder(target)
        }
        var axes = Array(0..<lead)
        for d in 0..<target.count where target[d] == 1 && shape[lead + d] != 1 { axes.append(lead + d) }
        let reduced = sum(axes: axes, keepingDimensions: true)
        return reduced.reshaped(target)
    }
}
