import Synchronization

/// The train/eval switch of one module (PyTorch's `module.training`), shared by reference and
/// safe to flip from any thread.
///
/// Every built-in layer stores one. A user-defined module needs one only when it has no child
/// modules (see ``Module/isTraining``); declare it as a stored property and reflection finds it:
/// `let training = TrainingFlag()`.
public final class TrainingFlag: Sendable {
    private let storage: Atomic<Bool>

    /// A flag that starts in training mode unless `isOn` is `false`.
    public init(_ isOn: Bool = true) {
        storage = Atomic(isOn)
    }

    /// `true` in training mode, `false` in evaluation mode.
    public var isOn: Bool {
        get { storage.load(ordering: .acquiring) }
        set { storage.store(newValue, ordering: .releasing) }
    }
}
