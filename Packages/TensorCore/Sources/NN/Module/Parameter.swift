import Synchronization
import TensorCore

/// A trainable tensor of a module (PyTorch's `nn.Parameter`): a reference to one autodiff leaf.
///
/// Modules read ``value`` in their forward pass, so the backward pass accumulates into this
/// parameter's ``grad``; optimizers then update the value in place with ``updateInPlace(_:)``.
/// A parameter is shared by reference: two modules holding the same `Parameter` share weights.
///
/// Thread safety: the tensor lives behind a mutex, so reading, updating and clearing gradients
/// from several threads is safe (each call is atomic; a read-modify-write sequence is not).
public final class Parameter: Sendable {
    private let state: Mutex<Tensor>

    /// A parameter holding `value` (its autodiff history is dropped; the parameter becomes a
    /// fresh leaf that requires gradients and shares `value`'s memory until updated).
    public init(_ value: Tensor) {
        var leaf = value.detached()
        leaf.requiresGrad = true
        state = Mutex(leaf)
    }

    /// The current value: a leaf tensor with `requiresGrad == true`.
    ///
    /// Setting a tensor of the same shape and device copies its elements into this parameter
    /// (keeping the accumulated gradient, like PyTorch's `param.data.copy_(x)`); a tensor of
    /// another shape or device replaces the value and clears the gradient.
    public var value: Tensor {
        get { state.withLock { $0 } }
        set {
            let source = newValue.detached()
            state.withLock { current in
                if current.shape == source.shape && current.device == source.device {
                    let shape = current.shape
                    current.updateInPlace { storage in
                        storage.backend.copy(
                            source.storage.buffer, source.layout,
                            to: storage.buffer, StridedLayout(contiguous: shape))
                    }
                } else {
                    var leaf = source
                    leaf.requiresGrad = true
                    current = leaf
                }
            }
        }
    }

    /// The gradient accumulated by backward passes since it was last cleared, or `nil`.
    /// It has the shape and device of ``value``. Setting `nil` clears it.
    public var grad: Tensor? {
        get { state.withLock { $0.grad } }
        set { state.withLock { $0.grad = newValue } }
    }

    /// Clears the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        state.withLock { $0.grad = nil }
    }

    /// Updates the value's memory in place (copy-on-write, see ``Tensor/updateInPlace(_:)``),
    /// keeping the parameter's identity as an autodiff leaf and its gradient. Used by optimizers.
    /// The closure receives contiguous storage of ``shape`` and runs with the parameter locked.
    public func updateInPlace(_ update: (TensorStorage) -> Void) {
        state.withLock { $0.updateInPlace(update) }
    }

    /// Shape of the value.
    public var shape: [Int] { state.withLock { $0.shape } }
    /// Number of elements of the value.
    public var count: Int { state.withLock { $0.count } }
    /// Device of the value.
    public var device: Device { state.withLock { $0.device } }
}
