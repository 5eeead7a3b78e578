extension Backend {
    /// The unfused SGD update, composed from elementwise primitives in PyTorch's order:
    /// ```text
    /// d ← g + λ·p                                   (weightDecay λ > 0)
    /// b ← d on the first step, else μ·b + (1 − τ)·d  (momentum μ > 0, dampening τ)
    /// d ← d + μ·b (nesterov) or b                    (momentum μ > 0)
    /// p ← p − lr·d
    /// ```
    public func sgdStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, momentumBuffer: (any DeviceBuffer)?,
        count: Int, hyper: SGDHyperparameters
    ) {
        let flat = StridedLayout(contiguous: [count])
        func unary(_ op: UnaryOp, _ x: any DeviceBuffer) -> any DeviceBuffer {
            let out = allocate(count: count)
            self.unary(op, x, flat, into: out)
            return out
        }
        func binary(_ op: BinaryOp, _ a: any DeviceBuffer, _ b: any DeviceBuffer) -> any DeviceBuffer {
            let out = allocate(count: count)
            self.binary(op, a, flat, b, flat, into: out)
            return out
        }
        var d: any DeviceBuffer = gradient
        if hyper.weightDecay != 0 { d = binary(.add, d, unary(.mulScalar(hyper.weightDecay), parameter)) }
        if hyper.momentum != 0, let momentumBuffer {
            let b =
                hyper.firstStep
                ? d
                : binary(
                    .add, unary(.mulScalar(hyper.momentum), momentumBuffer),
                    unary(.mulScalar(hyper.dampeningComplement), d))
            copy(b, flat, to: momentumBuffer, flat)
            d = hyper.nesterov ? binary(.add, d, unary(.mulScalar(hyper.momentum), b)) : b
        }
        let updated = binary(.sub, parameter, unary(.mulScalar(hyper.learningRate), d))
        copy(updated, flat, to: parameter, flat)
    }
}
