import TensorCore

/// How a loss combines its elementwise values (PyTorch's `reduction=`).
public enum Reduction: String, Hashable, Sendable, CaseIterable {
    /// The elementwise losses, in the input's shape.
    case none
    /// The mean over all elements: a scalar (shape `[]`).
    case mean
    /// The sum over all elements: a scalar (shape `[]`).
    case sum

    /// Applies the reduction to elementwise losses.
    func apply(_ losses: Tensor) -> Tensor {
        switch self {
        case .none: return losses
        case .mean: return losses.mean()
        case .sum: return losses.sum()
        }
    }
}

/// Checks that a loss's input and target have one shape and one device, reporting a ``TensorError``
/// naming `op` and both shapes otherwise.
func lossOperandsMatch(_ input: Tensor, _ target: Tensor, op: String) -> Bool {
    guard input.shape == target.shape else {
        reportTensorFailure(
            TensorError(.shapeMismatch, op: op, "input shape \(input.shape) and target shape \(target.shape) differ"))
        return false
    }
    guard input.device == target.device else {
        reportTensorFailure(
            TensorError(.deviceMismatch, op: op, DeviceError.mismatch(op: op, input.device, target.device).description))
        return false
    }
    return true
}
