import TensorCore

/// Maps a row-major ``GemmDescriptor`` onto column-major `cublasSgemmStridedBatched`.
///
/// A row-major `m × n` matrix with row stride `ld` is the column-major `n × m` matrix with the
/// same `ld`, so `C = op(A) · op(B)` is computed as `Cᵀ = op(B)ᵀ · op(A)ᵀ`: cuBLAS's A is our B,
/// its B is our A, and its m and n are our n and m.
enum CUBLASGemmMapping {
    /// The cuBLAS call, or `nil` when cuBLAS cannot express the product (sizes beyond 32 bits,
    /// `k == 0`, or a leading dimension below what cuBLAS requires for a matrix with more than
    /// one row); the built-in kernel computes those.
    /// The pointers are the element-0 addresses, offsets already applied.
    static func call(
        for d: GemmDescriptor, a: CUDADevicePointer, b: CUDADevicePointer,
        c: CUDADevicePointer
    ) -> CUBLASGemmCall? {
        guard d.k > 0, d.m > 0, d.n > 0, d.batch > 0 else { return nil }
        // Row-major storage of each operand: rows × columns.
        let aColumns = d.transposeA ? d.m : d.k, aRows = d.transposeA ? d.k : d.m
        let bColumns = d.transposeB ? d.k : d.n, bRows = d.transposeB ? d.n : d.k
        // A leading dimension is unused when the stored matrix has one row; cuBLAS still checks it.
        func leading(_ ld: Int, rows: Int, columns: Int) -> Int? {
            if rows == 1 { return max(ld, columns, 1) }
            return ld >= max(columns, 1) ? ld : nil
        }
        guard let lda = leading(d.lda, rows: aRows, columns: aColumns),
            let ldb = leading(d.ldb, rows: bRows, columns: bColumns),
            let ldc = leading(d.ldc, rows: d.m, columns: d.n)
        else { return nil }
        let limit = Int(Int32.max)
        guard [d.m, d.n, d.k, lda, ldb, ldc, d.batch].allSatisfy({ $0 <= limit }) else { return nil }
        return CUBLASGemmCall(
            transposeA: d.transposeB, transposeB: d.transposeA,
            m: Int32(d.n), n: Int32(d.m), k: Int32(d.k), alpha: d.alpha, beta: d.beta,
            a: b, lda: Int32(ldb), strideA: Int64(d.batchStrideB),
            b: a, ldb: Int32(lda), strideB: Int64(d.batchStrideA),
            c: c, ldc: Int32(ldc), strideC: Int64(d.batchStrideC),
            batchCount: Int32(d.batch))
    }
}
