// Views: new layouts over the same storage, without copying. Each is differentiable; the gradient
// of a view is the upstream gradient reshaped, permuted, or placed back into zeros.

extension Tensor {
    /// The same elements (row-major order) with a new shape; one dimension may be `-1` (inferred).
    /// A view when the layout allows it, else a contiguous copy.
    ///
    /// Misuse (element counts differ, more than one `-1`) is reported naming both shapes.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        if let at = inferred.first {
            let known = newShape.enumerated().filter { $0.offset != at }.reduce(1) { $0 * $1.element }
            guard inferred.count == 1, known > 0, count % known == 0,
                newShape.allSatisfy({ $0 >= -1 })
            else {
                reportTensorFailure(
                    TensorError(
                        .invalidShape, op: "reshape",
                        "cannot infer the -1 in \(newShape) for shape \(shape) "
                            + "(\(count) elements)"))
                return placeholder(newShape.map { $0 == -1 ? 1 : $0 })
            }
            target[at] = count / known
        }
        guard target.allSatisfy({ $0 >= 0 }), target.reduce(1, *) == count else {
            reportTensorFailure(
                TensorError(.invalidShape, op: "reshape", "cannot reshape \(shape) (\(count) elements) to \(newShape)"))
            return placeholder(target)
        }
        if target == shape { return self }
        let inputShape = shape
        let result: Tensor
        if let strides = layout.viewStrides(for: target) {
            result = Tensor(storage: storage, layout: StridedLayout(shape: target, strides: strides, offset: layout.offset))
        } else {
            let copy = contiguous().detached()
            result = Tensor(storage: copy.storage, layout: StridedLayout(contiguous: target, offset: copy.layout.offset))
        }
        return Tensor.recorded(result, op: "reshape", inputs: [self]) { g in [g.reshaped(inputShape)] }
    }

    /// The dimensions reordered: result dimension `i` is input dimension `order[i]` (negative
    /// axes count from the end). A view.
    public func permuted(_ order: [Int]) -> Tensor {
        let normalized = order.map { $0 < 0 ? $0 + rank : $0 }
        guard normalized.count == rank, Set(normalized) == Set(0..<rank) else {
            reportTensorFailure(
                TensorError(.invalidArgument, op: "permute", "\(order) is not a permutation of the axes of shape \(shape)"))
            return self
        }
        if normalized == Array(0..<rank) { return self }
        let result = Tensor(
            storage: storage,
            layout: StridedLayout(
                shape: normalized.map { shape[$0] },
                strides: normalized.map { strides[$0] },
                offset: layout.offset))
        var inversion = [Int](repeating: 0, count: rank)
        for (i, o) in normalized.enumerated() { inversion[o] = i }
        let inverse = inversion
        return Tensor.recorded(result, op: "permute", inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Axes `a` and `b` swapped (negative axes count from the end). A view.
    public func transposed(_ a: Int, _ b: Int) -> Tensor {
        guard let a = normalizedAxis(a, op: "transpose"), let b = normalizedAxis(b, op: "transpose") else { return self }
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return permuted(order)
    }

    /// A view with size-1 (or missing leading) dimensions repeated to `target` (stride 0), as in
    /// broadcasting. The gradient sums over the repeated dimensions.
    public func expanded(to target: [Int]) -> Tensor {
        guard ShapeRules.broadcast(shape, target) == target else {
            reportTensorFailure(TensorError(.invalidShape, op: "expand", "cannot expand shape \(shape) to \(target)"))
            return placeholder(target)
        }
        if target == shape { return self }
        let result = Tensor(storage: storage, layout: layout.broadcast(to: target))
        let inputShape = shape
        return Tensor.recorded(result, op: "expand", inputs: [self]) { g in [g.sum(toShape: inputShape)] }
    }

    /// A view with size-1 dimension `axis` removed; a dimension of another size is left as it is
    /// (as in PyTorch).
    public func squeezed(axis: Int) -> Tensor {
        guard let a = normalizedAxis(axis, op: "squeeze") else { return self }
        guard shape[a] == 1 else { return self }
        var target = shape
        target.remove(at: a)
        return reshaped(target)
    }

    /// A view without any size-1 dimension.
    public func squeezed() -> Tensor {
        reshaped(shape.filter { $0 != 1 })
    }

    /// A view with a size-1 dimension inserted at `axis` (`-1` appends one; range `-(rank+1)...rank`).
    public func unsqueezed(axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        guard (0...rank).contains(a) else {
            reportTensorFailure(
                TensorError(
                    .axisOutOfRange, op: "unsqueeze",
                    "axis \(axis) is out of range for shape \(shape) "
                        + "(expected \(-(rank + 1))...\(rank))"))
            return self
        }
        var target = shape
        target.insert(1, at: a)
        return reshaped(target)
    }

    /// Axes `startAxis...endAxis` merged into one (negative axes count from the end); a view when
    /// the layout allows it. A 0-dimensional tensor becomes shape `[1]`.
    public func flattened(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        guard let s = normalizedAxis(startAxis, op: "flatten"), let e = normalizedAxis(endAxis, op: "flatten") else {
            return self
        }
        guard s <= e else {
            reportTensorFailure(
                TensorError(
                    .invalidArgument, op: "flatten",
                    "start axis \(startAxis) comes after end axis \(endAxis) "
                        + "for shape \(shape)"))
            return self
        }
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Elements `start, start + step, …` below `end` along `axis`, as a view. Python slice rules:
    /// negative `start`/`end` count from the end and both are clamped to the axis; `end` `nil`
    /// means the end of the axis. `step` must be positive.
    public func sliced(axis: Int, start: Int = 0, end: Int? = nil, step: Int = 1) -> Tensor {
        guard let a = normalizedAxis(axis, op: "slice") else { return self }
        guard step > 0 else {
            reportTensorFailure(
                TensorError(.invalidArgument, op: "slice", "step must be positive, got \(step) (axis \(axis), shape \(shape))"))
            return self
        }
        let n = shape[a]
        func clamp(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + n : i, 0), n) }
        let from = clamp(start), to = clamp(end ?? n)
        let length = to > from ? (to - from + step - 1) / step : 0
        return strided(axis: a, start: from, length: length, step: step, op: "slice")
    }

    /// `length` elements from `start` along `axis` (negative `start` counts from the end), as a view.
    /// The range must lie inside the axis.
    public func narrowed(axis: Int, start: Int, length: Int) -> Tensor {
        guard let a = normalizedAxis(axis, op: "narrow") else { return self }
        let from = start < 0 ? start + shape[a] : start
        guard from >= 0, length >= 0, from + length <= shape[a] else {
            reportTensorFailure(
                TensorError(
                    .indexOutOfRange, op: "narrow",
                    "start \(start), length \(length) is outside axis \(axis) "
                        + "of shape \(shape)"))
            var target = shape
            target[a] = Swift.max(length, 0)
            return placeholder(target)
        }
        return strided(axis: a, start: from, length: length, step: 1, op: "narrow")
    }

    /// The slice at `index` along `axis` with that axis removed (negative `index` counts from the
    /// end), as a view.
    public func selected(axis: Int, index: Int) -> Tensor {
        guard let a = normalizedAxis(axis, op: "select") else { return self }
        let i = index < 0 ? index + shape[a] : index
        guard (0..<shape[a]).contains(i) else {
            reportTensorFailure(
                TensorError(.indexOutOfRange, op: "select", "index \(index) is out of range for axis \(axis) of shape \(shape)"))
            var target = shape
            target.remove(at: a)
            return placeholder(target)
        }
        return strided(axis: a, start: i, length: 1, step: 1, op: "select").squeezed(axis: a)
    }

    /// The view of `length` elements `start, start + step, …` of axis `a` (arguments checked).
    func strided(axis a: Int, start: Int, length: Int, step: Int, op: String) -> Tensor {
        if start == 0 && length == shape[a] && step == 1 { return self }
        var view = layout
        view.shape[a] = length
        if length > 0 { view.offset += start * strides[a] }
        view.strides[a] = strides[a] * step
        let result = Tensor(storage: storage, layout: view)
        let inputShape = shape
        return Tensor.recorded(result, op: op, inputs: [self]) { g in
            [
                g.embedded(in: inputShape, fill: 0) { full in
                    var region = full
                    region.shape[a] = length
                    if length > 0 { region.offset += start * full.strides[a] }
                    region.strides[a] = full.strides[a] * step
                    return region
                }
            ]
        }
    }
}
