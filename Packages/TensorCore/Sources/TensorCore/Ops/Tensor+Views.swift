// Views: new layouts over the same storage, without copying.

extension Tensor {
    /// The same elements with a new shape; one dimension may be `-1` (inferred). Copies only when
    /// the layout cannot express the new shape as a view.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0, newShape.filter({ $0 == -1 }).count == 1 else {
                reportTensorFailure(TensorError(op: "reshape", "cannot infer -1 in \(newShape) for shape \(shape)"))
                return self
            }
            target[inferred] = count / known
        }
        guard target.allSatisfy({ $0 >= 0 }), target.reduce(1, *) == count else {
            reportTensorFailure(TensorError(op: "reshape", "cannot reshape \(shape) (\(count) elements) to \(newShape)"))
            return self
        }
        if target == shape { return self }
        let source = layout.isContiguous ? self : contiguous()
        let result = Tensor(storage: source.storage, layout: StridedLayout(contiguous: target, offset: source.layout.offset))
        let inputShape = shape
        return Tensor.recorded(result, op: "reshape", inputs: [source]) { g in [g.reshaped(inputShape)] }
    }

    /// The dimensions reordered: result dimension `i` is input dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        guard order.count == rank, Set(order) == Set(0..<rank) else {
            reportTensorFailure(TensorError(op: "permute", "\(order) is not a permutation of the axes of shape \(shape)"))
            return self
        }
        let result = Tensor(storage: storage, layout: StridedLayout(shape: order.map { shape[$0] },
                                                                    strides: order.map { strides[$0] },
                                                                    offset: layout.offset))
        var inversion = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inversion[o] = i }
        let inverse = inversion
        return Tensor.recorded(result, op: "permute", inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// A view with size-1 (or missing leading) dimensions repeated to `target` (stride 0).
    public func expanded(to target: [Int]) -> Tensor {
        guard ShapeRules.broadcast(shape, target) == target else {
            reportTensorFailure(TensorError(op: "expand", "cannot expand shape \(shape) to \(target)"))
            return self
        }
        let result = Tensor(storage: storage, layout: layout.broadcast(to: target))
        let inputShape = shape
        return Tensor.recorded(result, op: "expand", inputs: [self]) { g in [g.sum(toShape: inputShape)] }
    }
}
