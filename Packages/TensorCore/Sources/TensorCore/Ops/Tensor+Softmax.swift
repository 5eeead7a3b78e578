// Softmax and log-softmax, written as compositions of differentiable operations. Subtracting the
// (detached) maximum first keeps exp from overflowing; it does not change the result, so no
// gradient needs to flow through it.

extension Tensor {
    /// `exp(x) / Σ exp(x)` along `axis` (negative counts from the end).
    public func softmax(axis: Int = -1) -> Tensor {
        guard let a = normalizedAxis(axis, op: "softmax") else { return placeholder(shape) }
        if count == 0 { return self }
        let exps = (self - max(axes: [a], keepingDimensions: true).detached()).exp()
        return exps / exps.sum(axes: [a], keepingDimensions: true)
    }

    /// `x − log Σ exp(x)` along `axis` (negative counts from the end), without forming the
    /// softmax (accurate for very negative results).
    public func logSoftmax(axis: Int = -1) -> Tensor {
        guard let a = normalizedAxis(axis, op: "logSoftmax") else { return placeholder(shape) }
        if count == 0 { return self }
        let shifted = self - max(axes: [a], keepingDimensions: true).detached()
        return shifted - shifted.exp().sum(axes: [a], keepingDimensions: true).log()
    }
}
