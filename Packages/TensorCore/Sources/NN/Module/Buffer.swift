import Synchronization
import TensorCore

/// A non-trainable tensor that belongs to a module's state (PyTorch's registered buffers), such as
/// BatchNorm's running statistics: saved in ``Module/stateDict()``, moved and copied with the
/// module, never given gradients and never seen by optimizers.
///
/// Thread safety: the tensor lives behind a mutex; each access is atomic.
public final class Buffer: Sendable {
    private let state: Mutex<Tensor>

    /// A buffer holding `value` without autodiff history.
    public init(_ value: Tensor) {
        state = Mutex(value.detached())
    }

    /// The current value (never requires gradients). Setting stores the new tensor without its history.
    public var value: Tensor {
        get { state.withLock { $0 } }
        set {
            let detached = newValue.detached()
            state.withLock { $0 = detached }
        }
    }

    /// Shape of the value.
    public var shape: [Int] { state.withLock { $0.shape } }
    /// Device of the value.
    public var device: Device { state.withLock { $0.device } }
}
