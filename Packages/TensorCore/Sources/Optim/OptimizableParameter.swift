import TensorCore

/// What an optimizer needs from a trainable tensor: its value, its accumulated gradient, and a way
/// to update the value's memory in place.
///
/// NN's `Parameter` conforms (NN depends on Optim, never the other way round), so
/// `Adam(model.namedParameters())` works for any module. Conforming types are references, so the
/// optimizer updates the very tensor the model reads in its forward pass.
public protocol OptimizableParameter: AnyObject, Sendable {
    /// The current value (an autodiff leaf).
    var value: Tensor { get }

    /// The gradient accumulated since it was last cleared, or `nil`; setting `nil` clears it.
    var grad: Tensor? { get set }

    /// Runs `update` on the value's storage, made unique, contiguous and offset 0 first
    /// (copy-on-write, see ``TensorCore/Tensor/updateInPlace(_:)``), keeping the value's identity
    /// as an autodiff leaf.
    func updateInPlace(_ update: (TensorStorage) -> Void)
}

extension OptimizableParameter {
    /// Shape and backend of the value, read without keeping a reference to its storage (a live
    /// reference would make the next in-place update copy the memory).
    var shapeAndBackend: ([Int], any Backend) {
        let value = self.value
        return (value.shape, value.backend)
    }
}
