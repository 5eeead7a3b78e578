/// A misuse of a tensor operation (incompatible shapes, an axis out of range, mixed devices), or a
/// tensor that cannot be allocated.
///
/// Outside a checking scope such misuse is a programmer error and stops the process with this
/// description. Inside ``withTensorChecking(_:)`` the first one is thrown instead, and ``kind``
/// lets a caller tell the misuses apart without parsing ``message``:
///
/// ```swift
/// do {
///     _ = try withTensorChecking { x.matmul(w) }
/// } catch let error as TensorError where error.kind == .shapeMismatch {
///     print(error)   // "matmul: inner dimensions differ: [2, 3] × [4, 5]"
/// }
/// ```
///
/// It is a struct rather than an enum so that every misuse carries the same two readable parts
/// (the operation and a sentence naming the shapes or values involved) whatever its kind.
public struct TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of misuse an error reports.
    public enum Kind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// An operand's shape does not fit the operation or the other operands: shapes that cannot
        /// be broadcast together, matrix dimensions that differ, the wrong rank or channel count for
        /// a convolution or a layer, an input too small for a convolution's kernel, a loss's input
        /// and target of different shapes, an explicit gradient of another shape than its tensor,
        /// an empty axis to take a maximum over, too few values per channel for batch norm in
        /// training, `item()` of a tensor that is not one element.
        case shapeMismatch
        /// A shape passed as an argument cannot be used: a negative dimension, a `-1` that cannot be
        /// inferred, a target shape with another element count than the tensor (`reshaped`) or the
        /// scalars (`Tensor(shape:scalars:)`), a shape whose element count overflows `Int` (`full`,
        /// `zeros`, `ones`, `rand`, `randn`, `Tensor(shape:scalars:)`), a shape the tensor cannot be
        /// expanded or summed to, a weight shape of rank below 2 for `Initialization.fans(ofWeightShape:)`.
        case invalidShape
        /// An axis (dimension) argument is outside `-rank..<rank` of the tensor it applies to
        /// (`-(rank + 1)...rank` for `unsqueezed(axis:)`).
        case axisOutOfRange
        /// An index or a range of indices along an axis lies outside that axis (`selected`, `narrowed`).
        case indexOutOfRange
        /// The operands of one operation, or a loss's input and target, live on different devices.
        case deviceMismatch
        /// Another argument is out of its valid range: a negative feature count, a non-positive
        /// channel count or kernel size, a probability outside [0, 1], a non-positive slice step or
        /// chunk count, an `arange` step that never reaches the end, split sizes that do not add up,
        /// an axis order that is not a permutation, a repeated axis, a start axis after the end
        /// axis, `min` above `max`, padding that is negative or has more pairs than axes, an output
        /// padding not below the stride, a stride or dilation below 1, random bounds or a standard
        /// deviation that are not finite (or a negative one), an empty list of tensors.
        case invalidArgument
        /// Automatic differentiation was misused: `backward()` on a tensor that does not require
        /// gradients, an implicit gradient for a tensor of more than one element, a second backward
        /// pass through a released graph, or a gradient rule (see ``Tensor/recorded(_:op:inputs:_:)``)
        /// that returned a gradient of another shape than its input.
        case autogradMisuse
        /// The device could not allocate a tensor's memory (the machine's memory is exhausted, or
        /// the size is absurd); the message names the shape, the bytes requested and the device,
        /// e.g. `"out of memory: cannot allocate a tensor of shape [1099511627776, 1048576]
        /// (4611686018427387904 bytes) on cpu"`. Inside a checking scope the tensor is kept with
        /// its shape but no memory: operations on it do nothing and reading it yields NaN.
        case outOfMemory
        /// Not classified: what ``init(_:op:_:)`` uses when no kind is given (errors raised by code
        /// outside TensorCore that predates kinds).
        case other

        /// The case name, e.g. `"shapeMismatch"`.
        public var description: String { rawValue }
    }

    /// What kind of misuse this is; see ``Kind``.
    public var kind: Kind
    /// The operation that failed, e.g. `"matmul"`.
    public var op: String
    /// What was wrong, naming the shapes or values involved.
    public var message: String

    /// An error of `kind` raised by operation `op`; `message` names the shapes or values involved.
    ///
    /// `kind` defaults to ``Kind/other`` so that `TensorError(op:_:)` calls written before kinds
    /// existed keep compiling; new code should name the kind.
    public init(_ kind: Kind = .other, op: String, _ message: String) {
        self.kind = kind
        self.op = op
        self.message = message
    }

    /// `"op: message"`, e.g. `"matmul: inner dimensions differ: [2, 3] × [4, 5]"` (without the kind).
    public var description: String { "\(op): \(message)" }
}
