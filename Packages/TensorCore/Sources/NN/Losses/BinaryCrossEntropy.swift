import TensorCore

/// Binary cross-entropy of probabilities (PyTorch's `F.binary_cross_entropy`):
/// `−(t · log p + (1 − t) · log(1 − p))` elementwise, with each logarithm clamped below at −100
/// as PyTorch does, so `p = 0` or `p = 1` gives a finite loss of at most 100.
///
/// The gradient with respect to `p` is PyTorch's `(p − t) / max(p · (1 − p), 1e-12)`, finite
/// even at `p ∈ {0, 1}`; with respect to `t` it is `log(1 − p) − log p` (clamped logarithms).
///
/// - Parameters:
///   - probabilities: values in `[0, 1]`, any shape (for example the output of a sigmoid).
///   - target: the same shape and device, usually in `[0, 1]` (reported as a ``TensorError`` otherwise).
///   - reduction: `.mean` (default), `.sum` or `.none`.
/// - Returns: a scalar for `.mean`/`.sum`, the input's shape for `.none`.
public func binaryCrossEntropy(_ probabilities: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    guard lossOperandsMatch(probabilities, target, op: "binaryCrossEntropy") else {
        return reduction == .none ? Tensor.zeros(like: probabilities) : Tensor.zeros(like: probabilities).sum()
    }
    let p = probabilities.detached()
    let t = target.detached()
    let (losses, logP, logOneMinusP) = withNoGrad {
        let logP = p.log().clamped(min: -100)
        let logOneMinusP = (1 - p).log().clamped(min: -100)
        return (-(t * logP + (1 - t) * logOneMinusP), logP, logOneMinusP)
    }
    let elementwise = Tensor.recorded(losses, op: "binaryCrossEntropy", inputs: [probabilities, target]) { g in
        [g * (p - t) / (p * (1 - p)).clamped(min: 1e-12), g * (logOneMinusP - logP)]
    }
    return reduction.apply(elementwise)
}

/// Binary cross-entropy of logits (PyTorch's `F.binary_cross_entropy_with_logits`):
/// `−(t · log σ(x) + (1 − t) · log(1 − σ(x)))`, computed stably as
/// `max(x, 0) − x · t + log(1 + e^−|x|)` (no clamping needed). Differentiable in both operands:
/// the gradient with respect to `x` is `σ(x) − t` everywhere, `x = 0` included (as in PyTorch,
/// not the one-sided slopes of the `max` and `|x|` in the formula), and with respect to `t` it is `−x`.
/// An infinite logit gives an infinite loss where the target leaves one (`x = ∞`, `t < 1`, as in
/// PyTorch; `x = −∞`, `t > 0`, where PyTorch gives NaN), else NaN.
///
/// - Parameters:
///   - logits: any shape.
///   - target: the same shape and device (reported as a ``TensorError`` otherwise).
///   - reduction: `.mean` (default), `.sum` or `.none`.
/// - Returns: a scalar for `.mean`/`.sum`, the input's shape for `.none`.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    guard lossOperandsMatch(logits, target, op: "binaryCrossEntropyWithLogits") else {
        return reduction == .none ? Tensor.zeros(like: logits) : Tensor.zeros(like: logits).sum()
    }
    let x = logits.detached()
    let t = target.detached()
    // max(x, 0) − x·t as x·(1 − t) for x ≥ 0 and −x·t below, so that x = ∞ gives ∞ (PyTorch's
    // answer) rather than ∞ − ∞.
    let losses = withNoGrad { Tensor.where(x .>= 0, x * (1 - t), -(x * t)) + (-x.abs()).softplus() }
    let elementwise = Tensor.recorded(losses, op: "binaryCrossEntropyWithLogits", inputs: [logits, target]) { g in
        [g * (x.sigmoid() - t), -(g * x)]
    }
    return reduction.apply(elementwise)
}
