/// Grid and block sizes of the kernels.
enum LaunchConfiguration {
    /// Threads per block of every kernel (the kernels' shared-memory trees assume it).
    static let blockSize = Int(KernelConstant.limitBlockSize)
    /// Most blocks of a grid-stride launch; further elements are handled by looping threads.
    static let maxLinearBlocks = 65_536
    /// Most blocks along grid y and z (a hardware limit).
    static let maxGridYZ = 65_535

    /// One thread per work item, in blocks of ``blockSize``, for a grid-stride kernel.
    /// `items` must be positive.
    static func linear(items: Int) -> (grid: LaunchDimensions, block: LaunchDimensions) {
        precondition(items > 0, "a launch needs at least one work item")
        let blocks = min((items + blockSize - 1) / blockSize, maxLinearBlocks)
        return (LaunchDimensions(x: UInt32(blocks)), LaunchDimensions(x: UInt32(blockSize)))
    }

    /// One block per row (grid-stride over rows) for `dt_reduce_rows`.
    static func rows(_ rows: Int) -> (grid: LaunchDimensions, block: LaunchDimensions) {
        precondition(rows > 0, "a launch needs at least one row")
        return (LaunchDimensions(x: UInt32(min(rows, maxLinearBlocks))), LaunchDimensions(x: UInt32(blockSize)))
    }

    /// 64 × 64 output tiles of `dt_gemm`: x over columns, y over rows, z over the batch (looping
    /// past 65,535). `m` must be at most ``maxGemmRows``.
    static func gemm(m: Int, n: Int, batch: Int) -> (grid: LaunchDimensions, block: LaunchDimensions) {
        let tile = Int(KernelConstant.limitGemmTile)
        precondition(m > 0 && n > 0 && batch > 0 && m <= maxGemmRows, "gemm launch of \(m) × \(n) × \(batch)")
        return (
            LaunchDimensions(
                x: UInt32((n + tile - 1) / tile), y: UInt32((m + tile - 1) / tile),
                z: UInt32(min(batch, maxGridYZ))),
            LaunchDimensions(x: UInt32(blockSize))
        )
    }

    /// Rows of C one `dt_gemm` launch can cover (grid y limit × tile height).
    static let maxGemmRows = maxGridYZ * Int(KernelConstant.limitGemmTile)
}
