// Elementwise functions of one tensor and their gradients. Where a derivative is cheaper from the
// result than from the input (exp, sqrt, tanh, sigmoid), the rule uses the result.

extension Tensor {
    /// Runs a backend unary operation (no autodiff recording).
    func applyUnary(_ op: UnaryOp) -> Tensor {
        let out = Tensor.uninitialized(shape, backend: backend)
        if count > 0 { backend.unary(op, storage.buffer, layout, into: out.storage.buffer) }
        return out
    }

    /// `self` where `condition` is non-zero, else `value` (shapes equal; not recorded).
    func applySelect(where condition: Tensor, else value: Float) -> Tensor {
        let out = Tensor.uninitialized(shape, backend: backend)
        if count > 0 {
            let fill = scalarLike(value)
            backend.select(
                condition.storage.buffer, condition.layout, storage.buffer, layout,
                fill.storage.buffer, fill.layout.broadcast(to: shape), into: out.storage.buffer)
        }
        return out
    }

    /// `-x`.
    public static prefix func - (x: Tensor) -> Tensor {
        recorded(x.applyUnary(.neg), op: "neg", inputs: [x]) { g in [-g] }
    }

    /// `eˣ` for every element.
    public func exp() -> Tensor {
        let y = applyUnary(.exp)
        return Tensor.recorded(y, op: "exp", inputs: [self]) { g in [g * y] }
    }

    /// The natural logarithm of every element (NaN below 0, −∞ at 0).
    public func log() -> Tensor {
        let x = detached()
        return Tensor.recorded(applyUnary(.log), op: "log", inputs: [self]) { g in [g / x] }
    }

    /// The square root of every element (NaN below 0).
    public func sqrt() -> Tensor {
        let y = applyUnary(.sqrt)
        return Tensor.recorded(y, op: "sqrt", inputs: [self]) { g in [g * 0.5 / y] }
    }

    /// `|x|` for every element; the gradient at 0 is 0.
    public func abs() -> Tensor {
        let x = detached()
        return Tensor.recorded(applyUnary(.abs), op: "abs", inputs: [self]) { g in [g * x.applyUnary(.sign)] }
    }

    /// `max(x, 0)` for every element (NaN stays NaN); the gradient at 0 is 0.
    ///
    /// The gradient is `g` where the result is non-zero (`x > 0`, or NaN as in PyTorch), else 0:
    /// one selection pass over the result, with no mask tensor.
    public func relu() -> Tensor {
        let y = applyUnary(.relu)
        return Tensor.recorded(y, op: "relu", inputs: [self]) { g in [g.applySelect(where: y, else: 0)] }
    }

    /// The hyperbolic tangent of every element.
    public func tanh() -> Tensor {
        let y = applyUnary(.tanh)
        return Tensor.recorded(y, op: "tanh", inputs: [self]) { g in [g - g * y * y] }
    }

    /// `1 / (1 + e⁻ˣ)` for every element.
    public func sigmoid() -> Tensor {
        let y = applyUnary(.sigmoid)
        return Tensor.recorded(y, op: "sigmoid", inputs: [self]) { g in [g * (y - y * y)] }
    }

    /// `log(1 + eˣ)` for every element, computed without overflow as `max(x, 0) + log(1 + e^−|x|)`.
    public func softplus() -> Tensor {
        let x = detached()
        return Tensor.recorded(applyUnary(.softplus), op: "softplus", inputs: [self]) { g in
            [g * x.applyUnary(.sigmoid)]
        }
    }

    /// −1, 0 or 1 by the sign of every element (NaN stays NaN). Its gradient is 0.
    public func sign() -> Tensor {
        let input = shape
        return Tensor.recorded(applyUnary(.sign), op: "sign", inputs: [self]) { g in
            [Tensor.full(input, value: 0, backend: g.backend)]
        }
    }

    /// Every element raised to `exponent` (`x²` is computed as `x · x`). The gradient is
    /// `exponent · xᵉˣᵖᵒⁿᵉⁿᵗ⁻¹`, and 0 everywhere for the exponent 0 (as in PyTorch: `x⁰` is the
    /// constant 1, even at `x = 0`).
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 1 { return self }
        let x = detached()
        return Tensor.recorded(applyUnary(.powScalar(exponent)), op: "pow", inputs: [self]) { g in
            if exponent == 0 { return [Tensor.full(x.shape, value: 0, backend: g.backend)] }
            // g · (exponent · xᵉˣᵖᵒⁿᵉⁿᵗ⁻¹), associated as PyTorch does, so both overflow alike.
            return exponent == 2 ? [g * (x * 2)] : [g * (x.applyUnary(.powScalar(exponent - 1)) * exponent)]
        }
    }

    /// Every element limited to `min...max` (NaN stays NaN). The gradient passes where
    /// `min ≤ x ≤ max`, as in PyTorch. `min` must not exceed `max`.
    public func clamped(min: Float = -.infinity, max: Float = .infinity) -> Tensor {
        guard !(min > max) else {
            reportTensorFailure(TensorError(.invalidArgument, op: "clamp", "min \(min) is above max \(max) (shape \(shape))"))
            return placeholder(shape)
        }
        let y = applyUnary(.clamp(low: min, high: max))
        let x = detached()
        return Tensor.recorded(y, op: "clamp", inputs: [self]) { g in
            [g * y.applyBinary(.equal, x, name: "clamp")]
        }
    }
}
