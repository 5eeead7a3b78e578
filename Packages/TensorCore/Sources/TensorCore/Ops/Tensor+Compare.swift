// Elementwise comparisons (1 for true, 0 for false; no gradient) and selection by a condition.

extension Tensor {
    /// A comparison of broadcast operands; not recorded, as comparisons have no gradient.
    private static func compare(_ lhs: Tensor, _ rhs: Tensor, _ op: BinaryOp, _ name: String) -> Tensor {
        lhs.applyBinary(op, rhs, name: name)
    }

    /// `1` where `lhs == rhs`, else `0`, broadcasting.
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, .equal, "equal") }
    /// `1` where `lhs != rhs`, else `0`, broadcasting.
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, .notEqual, "notEqual") }
    /// `1` where `lhs < rhs`, else `0`, broadcasting.
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, .less, "less") }
    /// `1` where `lhs <= rhs`, else `0`, broadcasting.
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, .lessEqual, "lessEqual") }
    /// `1` where `lhs > rhs`, else `0`, broadcasting.
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, .greater, "greater") }
    /// `1` where `lhs >= rhs`, else `0`, broadcasting.
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, .greaterEqual, "greaterEqual") }

    /// `1` where the element equals `rhs`, else `0`.
    public static func .== (lhs: Tensor, rhs: Float) -> Tensor { lhs .== lhs.scalarLike(rhs) }
    /// `1` where the element differs from `rhs`, else `0`.
    public static func .!= (lhs: Tensor, rhs: Float) -> Tensor { lhs .!= lhs.scalarLike(rhs) }
    /// `1` where the element is below `rhs`, else `0`.
    public static func .< (lhs: Tensor, rhs: Float) -> Tensor { lhs .< lhs.scalarLike(rhs) }
    /// `1` where the element is at most `rhs`, else `0`.
    public static func .<= (lhs: Tensor, rhs: Float) -> Tensor { lhs .<= lhs.scalarLike(rhs) }
    /// `1` where the element is above `rhs`, else `0`.
    public static func .> (lhs: Tensor, rhs: Float) -> Tensor { lhs.applyUnary(.greaterThanScalar(rhs)) }
    /// `1` where the element is at least `rhs`, else `0`.
    public static func .>= (lhs: Tensor, rhs: Float) -> Tensor { lhs .>= lhs.scalarLike(rhs) }

    /// `1` where `lhs` equals the element, else `0`.
    public static func .== (lhs: Float, rhs: Tensor) -> Tensor { rhs .== lhs }
    /// `1` where `lhs` differs from the element, else `0`.
    public static func .!= (lhs: Float, rhs: Tensor) -> Tensor { rhs .!= lhs }
    /// `1` where `lhs` is below the element, else `0`.
    public static func .< (lhs: Float, rhs: Tensor) -> Tensor { rhs .> lhs }
    /// `1` where `lhs` is at most the element, else `0`.
    public static func .<= (lhs: Float, rhs: Tensor) -> Tensor { rhs .>= lhs }
    /// `1` where `lhs` is above the element, else `0`.
    public static func .> (lhs: Float, rhs: Tensor) -> Tensor { rhs .< lhs }
    /// `1` where `lhs` is at least the element, else `0`.
    public static func .>= (lhs: Float, rhs: Tensor) -> Tensor { rhs .<= lhs }

    /// `a` where `condition` is non-zero, else `b`; all three broadcast together. The gradient
    /// flows to `a` where the condition holds and to `b` elsewhere (none to the condition).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let op = "where"
        guard condition.checkSameDevice([a, b], op: op) else { return a.placeholder(a.shape) }
        guard let ab = ShapeRules.broadcast(a.shape, b.shape),
            let shape = ShapeRules.broadcast(condition.shape, ab)
        else {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: op,
                    "condition \(condition.shape), a \(a.shape) and b \(b.shape) "
                        + "cannot be broadcast together"))
            return a.placeholder(a.shape)
        }
        let out = Tensor.uninitialized(shape, backend: a.backend)
        if out.count > 0 {
            a.backend.select(
                condition.storage.buffer, condition.layout.broadcast(to: shape),
                a.storage.buffer, a.layout.broadcast(to: shape),
                b.storage.buffer, b.layout.broadcast(to: shape), into: out.storage.buffer)
        }
        let mask = condition.detached()
        let (aShape, bShape) = (a.shape, b.shape)
        let (needA, needB) = (a.needsGradient, b.needsGradient)
        return recorded(out, op: op, inputs: [a, b]) { g in
            let zero = g.scalarLike(0)
            return [
                needA ? Tensor.where(mask, g, zero).sum(toShape: aShape) : nil,
                needB ? Tensor.where(mask, zero, g).sum(toShape: bShape) : nil,
            ]
        }
    }

    /// `a` where `condition` is non-zero, else the value `b`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Float) -> Tensor {
        Tensor.where(condition, a, a.scalarLike(b))
    }

    /// The value `a` where `condition` is non-zero, else `b`.
    public static func `where`(_ condition: Tensor, _ a: Float, _ b: Tensor) -> Tensor {
        Tensor.where(condition, b.scalarLike(a), b)
    }
}
