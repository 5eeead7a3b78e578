/// Elementwise operations with two tensor operands of one (broadcast) shape.
/// Comparisons yield `1` for true and `0` for false.
public enum BinaryOp: Hashable, Sendable {
    /// `a + b`
    case add
    /// `a - b`
    case sub
    /// `a · b`
    case mul
    /// `a / b` (IEEE 754: ±inf or NaN for a zero divisor).
    case div
    /// `a ^ b`
    case pow
    /// The larger of `a` and `b`; NaN when either is NaN.
    case maximum
    /// The smaller of `a` and `b`; NaN when either is NaN.
    case minimum
    /// `a == b`
    case equal
    /// `a != b`
    case notEqual
    /// `a < b`
    case less
    /// `a <= b`
    case lessEqual
    /// `a > b`
    case greater
    /// `a >= b`
    case greaterEqual
}
