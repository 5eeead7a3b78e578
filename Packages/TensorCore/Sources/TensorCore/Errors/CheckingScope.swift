import Synchronization

/// Runs `body` so that tensor misuse (a shape mismatch, a bad axis, mixed devices) is thrown as a
/// ``TensorError`` instead of stopping the process.
///
/// Inside the scope a failing operation records the first error and returns a placeholder tensor
/// (zeros of a plausible shape) so the caller's code can run on to the end of `body`; then the
/// recorded error is thrown. This is how TestKit turns a model that would trap into a failed check.
///
/// ```swift
/// do {
///     _ = try withTensorChecking { try model(Tensor.zeros([2, 3])) }
/// } catch let error as TensorError {
///     print(error)   // "matmul: inner dimensions differ: [2, 3] × [4, 5]"
/// }
/// ```
///
/// - Throws: the first ``TensorError`` raised inside `body`, or whatever `body` throws itself.
public func withTensorChecking<T>(_ body: () throws -> T) throws -> T {
    let recorder = TensorFailureRecorder()
    let result = try TensorFailureRecorder.$current.withValue(recorder) { try body() }
    if let failure = recorder.first { throw failure }
    return result
}

/// The `async` form of ``withTensorChecking(_:)``.
///
/// - Throws: the first ``TensorError`` raised inside `body`, or whatever `body` throws itself.
public func withTensorChecking<T>(_ body: () async throws -> T) async throws -> T {
    let recorder = TensorFailureRecorder()
    let result = try await TensorFailureRecorder.$current.withValue(recorder) { try await body() }
    if let failure = recorder.first { throw failure }
    return result
}

/// Collects the first tensor failure inside a checking scope.
final class TensorFailureRecorder: Sendable {
    @TaskLocal static var current: TensorFailureRecorder?

    private let failure = Mutex<TensorError?>(nil)

    var first: TensorError? { failure.withLock { $0 } }

    func record(_ error: TensorError) {
        failure.withLock { if $0 == nil { $0 = error } }
    }
}

/// Reports a tensor misuse: recorded inside a checking scope, fatal outside one.
///
/// Callers return a placeholder result after calling this, so it must not be `Never`. Public so
/// that layers and losses built on tensor operations (the NN product) report their own misuse
/// (for example "Linear: expected 784 input features, got shape [2, 3]") the same way.
public func reportTensorFailure(_ error: TensorError, file: StaticString = #file, line: UInt = #line) {
    if let recorder = TensorFailureRecorder.current {
        recorder.record(error)
    } else {
        fatalError(error.description, file: file, line: line)
    }
}

/// True while a checking scope is active on this task.
var isInsideTensorChecking: Bool { TensorFailureRecorder.current != nil }
