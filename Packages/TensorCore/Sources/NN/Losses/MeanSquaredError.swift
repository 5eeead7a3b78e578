import TensorCore

/// Mean squared error (PyTorch's `F.mse_loss`): the elementwise `(input − target)²`, reduced.
///
/// - Parameters:
///   - input: predictions of any shape.
///   - target: the same shape and device as `input` (reported as a ``TensorError`` otherwise).
///   - reduction: `.mean` (default), `.sum` (the VAE's reconstruction loss) or `.none`.
/// - Returns: a scalar (shape `[]`) for `.mean`/`.sum`, the input's shape for `.none`.
///   Differentiable with respect to both operands.
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    guard lossOperandsMatch(input, target, op: "mseLoss") else {
        return reduction == .none ? Tensor.zeros(like: input) : Tensor.zeros(like: input).sum()
    }
    let difference = input - target
    return reduction.apply(difference * difference)
}
