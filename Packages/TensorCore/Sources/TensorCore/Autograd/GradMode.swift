/// Whether operations record autodiff history on the current task.
public enum GradMode {
    /// `true` unless inside ``withNoGrad(_:)``.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording autodiff history (PyTorch's `torch.no_grad()`): results of
/// operations inside do not require gradients and hold no references to their inputs.
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

/// The `async` form of ``withNoGrad(_:)``.
public func withNoGrad<T>(_ body: () async throws -> T) async rethrows -> T {
    try await GradMode.$isEnabled.withValue(false) { try await body() }
}
