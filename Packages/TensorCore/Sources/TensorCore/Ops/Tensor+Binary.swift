// Elementwise arithmetic of two tensors with NumPy/PyTorch broadcasting, and of a tensor with a
// Float on either side (one pass of a scalar unary kernel: no tensor is allocated for the scalar).

extension Tensor {
    /// Checks that `self` and `other` share a device and have broadcastable shapes; returns the
    /// output shape, or reports the failure and returns `nil`.
    func broadcastShape(with other: Tensor, op: String) -> [Int]? {
        guard checkSameDevice([other], op: op) else { return nil }
        guard let shape = ShapeRules.broadcast(self.shape, other.shape) else {
            reportTensorFailure(
                TensorError(.shapeMismatch, op: op, "shapes \(self.shape) and \(other.shape) cannot be broadcast together"))
            return nil
        }
        return shape
    }

    /// Runs a backend binary operation over broadcast operands (no autodiff recording).
    func applyBinary(_ op: BinaryOp, _ other: Tensor, name: String) -> Tensor {
        guard let shape = broadcastShape(with: other, op: name) else {
            return placeholder(self.shape.count >= other.shape.count ? self.shape : other.shape)
        }
        let out = Tensor.uninitialized(shape, backend: backend)
        if out.count > 0 {
            backend.binary(
                op, storage.buffer, layout.broadcast(to: shape),
                other.storage.buffer, other.layout.broadcast(to: shape), into: out.storage.buffer)
        }
        return out
    }

    /// `lhs + rhs`, broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = lhs.applyBinary(.add, rhs, name: "add")
        let (ls, rs) = (lhs.shape, rhs.shape)
        let (needL, needR) = (lhs.needsGradient, rhs.needsGradient)
        return recorded(result, op: "add", inputs: [lhs, rhs]) { g in
            [needL ? g.sum(toShape: ls) : nil, needR ? g.sum(toShape: rs) : nil]
        }
    }

    /// `lhs - rhs`, broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = lhs.applyBinary(.sub, rhs, name: "sub")
        let (ls, rs) = (lhs.shape, rhs.shape)
        let (needL, needR) = (lhs.needsGradient, rhs.needsGradient)
        return recorded(result, op: "sub", inputs: [lhs, rhs]) { g in
            [needL ? g.sum(toShape: ls) : nil, needR ? (-g).sum(toShape: rs) : nil]
        }
    }

    /// `lhs * rhs` elementwise, broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = lhs.applyBinary(.mul, rhs, name: "mul")
        let (l, r) = (lhs.detached(), rhs.detached())
        let (needL, needR) = (lhs.needsGradient, rhs.needsGradient)
        return recorded(result, op: "mul", inputs: [lhs, rhs]) { g in
            [needL ? (g * r).sum(toShape: l.shape) : nil, needR ? (g * l).sum(toShape: r.shape) : nil]
        }
    }

    /// `lhs / rhs` elementwise, broadcasting.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = lhs.applyBinary(.div, rhs, name: "div")
        let (r, y) = (rhs.detached(), result)
        let (ls, needL, needR) = (lhs.shape, lhs.needsGradient, rhs.needsGradient)
        return recorded(result, op: "div", inputs: [lhs, rhs]) { g in
            // PyTorch's association, −g · ((l / r) / r): g / r first would overflow for a tiny r
            // and give ∞ · 0 = NaN where l = 0.
            [needL ? (g / r).sum(toShape: ls) : nil, needR ? (-(g * (y / r))).sum(toShape: r.shape) : nil]
        }
    }

    /// `self` raised to `exponent` elementwise, broadcasting. The gradient with respect to the
    /// base is `e · selfᵉ⁻¹`, and 0 where the exponent is 0; with respect to the exponent it is
    /// `selfᵉ · log(self)` (NaN for a negative base), and 0 where the base is 0 and the exponent
    /// is not negative. Both rules are PyTorch's, which keep `0⁰` and `0²` from giving NaN.
    public func pow(_ exponent: Tensor) -> Tensor {
        let result = applyBinary(.pow, exponent, name: "pow")
        let (x, e, y) = (detached(), exponent.detached(), result)
        let (needX, needE) = (needsGradient, exponent.needsGradient)
        return Tensor.recorded(result, op: "pow", inputs: [self, exponent]) { g in
            [
                // g · (e · xᵉ⁻¹), PyTorch's association: (g · e) underflows for a tiny e.
                needX ? Tensor.where(e .!= 0, g * (e * x.pow(e - 1)), 0).sum(toShape: x.shape) : nil,
                needE
                    ? Tensor.where((x .== 0) * (e .>= 0), 0, g * y * x.log()).sum(toShape: e.shape) : nil,
            ]
        }
    }

    /// The elementwise larger of `a` and `b`, broadcasting; NaN when either is NaN. Where they
    /// are equal the gradient is split evenly; an operand gets none only where it is smaller than
    /// the other, so where either is NaN both get the whole gradient (all as in PyTorch).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        extremum(a, b, op: .maximum, name: "maximum", losesA: .less, losesB: .greater)
    }

    /// The elementwise smaller of `a` and `b`, broadcasting; NaN when either is NaN. Where they
    /// are equal the gradient is split evenly; an operand gets none only where it is larger than
    /// the other, so where either is NaN both get the whole gradient (all as in PyTorch).
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        extremum(a, b, op: .minimum, name: "minimum", losesA: .greater, losesB: .less)
    }

    private static func extremum(
        _ a: Tensor, _ b: Tensor, op: BinaryOp, name: String, losesA: BinaryOp, losesB: BinaryOp
    ) -> Tensor {
        let result = a.applyBinary(op, b, name: name)
        let (x, y) = (a.detached(), b.detached())
        let (needA, needB) = (a.needsGradient, b.needsGradient)
        return recorded(result, op: name, inputs: [a, b]) { g in
            // PyTorch's rule: g/2 on ties, else g, masked to 0 where the operand loses. Comparisons
            // with NaN are false, so a NaN on either side masks neither operand.
            let shared = g * (1 - x.applyBinary(.equal, y, name: name) * 0.5)
            return [
                needA ? Tensor.where(x.applyBinary(losesA, y, name: name), 0, shared).sum(toShape: x.shape) : nil,
                needB ? Tensor.where(x.applyBinary(losesB, y, name: name), 0, shared).sum(toShape: y.shape) : nil,
            ]
        }
    }
}

// MARK: - Tensor and scalar

extension Tensor {
    /// `lhs + rhs` for every element.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor {
        recorded(lhs.applyUnary(.addScalar(rhs)), op: "addScalar", inputs: [lhs]) { g in [g] }
    }

    /// `lhs + rhs` for every element.
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs + lhs }

    /// `lhs − rhs` for every element.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs + (-rhs) }

    /// `lhs − rhs` for every element.
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { -rhs + lhs }

    /// `lhs · rhs` for every element.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor {
        recorded(lhs.applyUnary(.mulScalar(rhs)), op: "mulScalar", inputs: [lhs]) { g in [g * rhs] }
    }

    /// `lhs · rhs` for every element.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }

    /// `lhs / rhs` for every element, computed as `lhs · (1 / rhs)` (within one rounding of the
    /// quotient).
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs * (1 / rhs) }

    /// `lhs / rhs` for every element.
    public static func / (lhs: Float, rhs: Tensor) -> Tensor {
        let result = rhs.applyUnary(.reciprocalScaled(lhs))
        let (x, y) = (rhs.detached(), result)
        return recorded(result, op: "reciprocalScaled", inputs: [rhs]) { g in [-(g * y) / x] }
    }

    // Compound assignments rebind `lhs` to a new tensor (recorded like the plain operator); the
    // old value's memory is never written, so other tensors sharing it are unaffected.

    /// `lhs = lhs + rhs`.
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
    /// `lhs = lhs - rhs`.
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
    /// `lhs = lhs * rhs`.
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }
    /// `lhs = lhs / rhs`.
    public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs / rhs }
    /// `lhs = lhs + rhs`.
    public static func += (lhs: inout Tensor, rhs: Float) { lhs = lhs + rhs }
    /// `lhs = lhs - rhs`.
    public static func -= (lhs: inout Tensor, rhs: Float) { lhs = lhs - rhs }
    /// `lhs = lhs * rhs`.
    public static func *= (lhs: inout Tensor, rhs: Float) { lhs = lhs * rhs }
    /// `lhs = lhs / rhs`.
    public static func /= (lhs: inout Tensor, rhs: Float) { lhs = lhs / rhs }
}
