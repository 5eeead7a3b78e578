import TensorCore

/// Mean cross-entropy of `logits` `[batch, classes]` against integer class labels `[batch]`
/// (stored as Float), a scalar tensor: `−(1/batch) · Σᵢ log softmax(logitsᵢ)[labelᵢ]`.
///
/// Built from TensorCore operations only (`logSoftmax`, a one-hot mask), so it is differentiable
/// on every device. A label outside `0..<classes` contributes nothing (its one-hot row is zero).
public func crossEntropy(_ logits: Tensor, labels: Tensor) -> Tensor {
    let classes = logits.shape.last ?? 0
    let oneHot = labels.scalars.flatMap { label in (0..<classes).map { Float($0) == label ? Float(1) : 0 } }
    let mask = Tensor(shape: logits.shape, scalars: oneHot, device: logits.device)
    return -(logits.logSoftmax(axis: 1) * mask).sum() / Float(max(logits.shape.first ?? 1, 1))
}
