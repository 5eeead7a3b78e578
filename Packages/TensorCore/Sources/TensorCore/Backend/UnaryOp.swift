/// Elementwise operations with one tensor operand (and optional scalar parameters).
public enum UnaryOp: Hashable, Sendable {
    /// `-x`
    case neg
    /// `e^x`
    case exp
    /// Natural logarithm `ln x` (NaN below 0, `-inf` at 0).
    case log
    /// `√x` (NaN below 0).
    case sqrt
    /// `|x|`
    case abs
    /// `max(x, 0)`
    case relu
    /// Hyperbolic tangent, in (-1, 1).
    case tanh
    /// Logistic function `1 / (1 + e^-x)`, in (0, 1).
    case sigmoid
    /// `ln(1 + e^x)`, computed without overflow for large `x`.
    case softplus
    /// `-1`, `0` or `1` by the sign of `x` (NaN stays NaN).
    case sign
    /// `x + c`
    case addScalar(Float)
    /// `x · c`
    case mulScalar(Float)
    /// `c / x`
    case reciprocalScaled(Float)
    /// `x ^ p`
    case powScalar(Float)
    /// `min(max(x, low), high)`
    case clamp(low: Float, high: Float)
    /// `1` where `x > c`, else `0`.
    case greaterThanScalar(Float)
}
