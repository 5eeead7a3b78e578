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
            let gOverR = g / r
            return [needL ? gOverR.sum(toShape: ls) : nil, needR ? (-(gOverR * y)).sum(toShape: r.shape) : nil]
        }
    }

    /// `self` raised to `exponent` elementwise, broadcasting. The gradient with respect to the
    /// exponent is `selfᵉ · log(self)` (NaN for a negative base, as in PyTorch).
    public func pow(_ exponent: Tensor) -> Tensor {
        let result = applyBinary(.pow, exponent, name: "pow")
        let (x, e, y) = (detached(), exponent.detached(), result)
        let (needX, needE) = (needsGradient, exponent.needsGradient)
        return Tensor.recorded(result, op: "pow", inputs: [self, exponent]) { g in
            [
                needX ? (g * e * x.pow(e - 1)).sum(toShape: x.shape) : nil,
                needE ? (g * y * x.log()).sum(toShape: e.shape) : nil,
            ]
        }
    }

    /// The elementwise larger of `a` and `b`, broadcasting; NaN when either is NaN. Where they
    /// are equal the gradient is split evenly, as in PyTorch.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        extremum(a, b, op: .maximum, name: "maximum", winsA: .greater)
    }

    /// The elementwise smaller of `a` and `b`, broadcasting; NaN when either is NaN. Where they
    /// are equal the gradient is split evenly, as in PyTorch.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        extremum(a, b, op: .minimum, name: "minimum", winsA: .less)
    }

    private static func extremum(_ a: Tensor, _ b: Tensor, op: BinaryOp, name: String, winsA: BinaryOp) -> Tensor {
        let result = a.applyBinary(op, b, name: name)
        let (x, y) = (a.detached(), b.detached())
        let (needA, needB) = (a.needsGradient, b.needsGradient)
        return recorded(result, op: name, inputs: [a, b]) { g in
            // Share of the gradient that goes to a: 1 where a wins, 1/2 on ties, 0 elsewhere.
            let share = x.applyBinary(winsA, y, name: name) + x.applyBinary(.equal, y, name: name) * 0.5
            let toA = g * share
            return [needA ? toA.sum(toShape: x.shape) : nil, needB ? (g - toA).sum(toShape: y.shape) : nil]
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
