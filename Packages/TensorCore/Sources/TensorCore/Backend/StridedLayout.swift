/// How a tensor's elements map to offsets in its buffer: `offset + Σ index[d] · strides[d]`.
///
/// Strides are in elements (not bytes) and may be 0 (a broadcast dimension). Views (reshape,
/// transpose, slice, expand) produce new layouts over the same buffer without copying.
public struct StridedLayout: Hashable, Sendable, CustomStringConvertible {
    /// Extent of each dimension; `[]` is a scalar (one element).
    public var shape: [Int]
    /// Element step of each dimension.
    public var strides: [Int]
    /// Element offset of index `[0, 0, …]` in the buffer.
    public var offset: Int

    /// A layout with explicit `strides` (in elements, one per dimension of `shape`).
    ///
    /// Traps (a precondition, not a ``TensorError``) when `shape` and `strides` differ in length;
    /// strides are not otherwise checked against any buffer.
    public init(shape: [Int], strides: [Int], offset: Int = 0) {
        precondition(shape.count == strides.count, "layout rank mismatch: shape \(shape), strides \(strides)")
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// A row-major (C-order) layout of `shape` starting at `offset`.
    public init(contiguous shape: [Int], offset: Int = 0) {
        self.init(shape: shape, strides: StridedLayout.rowMajorStrides(shape), offset: offset)
    }

    /// Number of elements (1 for a scalar, 0 when any dimension is 0).
    public var count: Int { shape.reduce(1, *) }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// True when the elements are densely packed in row-major order (offset may be non-zero).
    public var isContiguous: Bool {
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    /// Row-major strides of `shape`.
    public static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = running
            running *= max(shape[d], 1)
        }
        return strides
    }

    public var description: String { "shape \(shape) strides \(strides) offset \(offset)" }
}
