/// Reductions over the middle axis of a contiguous `[outer, extent, inner]` block.
/// `argmax`/`argmin` write the index (as Float) of the first extreme element.
public enum ReduceOp: Hashable, Sendable {
    /// Sum of the extent (accumulated in double precision on the CPU).
    case sum
    /// Largest element; NaN when the extent holds a NaN.
    case max
    /// Smallest element; NaN when the extent holds a NaN.
    case min
    /// Index of the first largest element (a NaN counts as the largest).
    case argmax
    /// Index of the first smallest element (a NaN counts as the smallest).
    case argmin
}
