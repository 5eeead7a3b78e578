// Layouts derived from a layout, without touching memory: the broadcast view used by elementwise
// operations, and the strides of a reshaped view.
extension StridedLayout {
    /// This layout viewed with shape `target` (a broadcast of its shape): leading and size-1
    /// dimensions get stride 0. Callers have checked that the shapes broadcast.
    func broadcast(to target: [Int]) -> StridedLayout {
        let lead = target.count - shape.count
        var newStrides = [Int](repeating: 0, count: target.count)
        for d in 0..<shape.count where shape[d] != 1 || target[lead + d] == 1 {
            newStrides[lead + d] = strides[d]
        }
        return StridedLayout(shape: target, strides: newStrides, offset: offset)
    }

    /// Strides that show this layout's elements, in row-major order, with shape `target`
    /// (of the same element count), or `nil` when no strides can (then a copy is needed).
    /// The algorithm of PyTorch's `view`: dimensions are matched in runs that are contiguous
    /// with each other in memory.
    func viewStrides(for target: [Int]) -> [Int]? {
        if count <= 1 { return StridedLayout.rowMajorStrides(target) }
        var result = [Int](repeating: 0, count: target.count)
        var viewD = target.count - 1
        var chunkBaseStride = strides.last ?? 1
        var tensorCount = 1
        var viewCount = 1
        for tensorD in stride(from: rank - 1, through: 0, by: -1) {
            tensorCount *= shape[tensorD]
            let endsRun =
                tensorD == 0
                || (shape[tensorD - 1] != 1 && strides[tensorD - 1] != tensorCount * chunkBaseStride)
            guard endsRun else { continue }
            while viewD >= 0 && (viewCount < tensorCount || target[viewD] == 1) {
                result[viewD] = viewCount * chunkBaseStride
                viewCount *= target[viewD]
                viewD -= 1
            }
            if viewCount != tensorCount { return nil }
            if tensorD > 0 {
                chunkBaseStride = strides[tensorD - 1]
                tensorCount = 1
                viewCount = 1
            }
        }
        return viewD == -1 ? result : nil
    }
}
