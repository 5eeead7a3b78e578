/// A misuse of a tensor operation: incompatible shapes, an axis out of range, mixed devices.
///
/// Outside a checking scope such misuse is a programmer error and stops the process with this
/// description. Inside ``withTensorChecking(_:)`` the first one is thrown instead.
public struct TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation that failed, e.g. `"matmul"`.
    public var op: String
    /// What was wrong, naming the shapes or values involved.
    public var message: String

    public init(op: String, _ message: String) {
        self.op = op
        self.message = message
    }

    public var description: String { "\(op): \(message)" }
}
