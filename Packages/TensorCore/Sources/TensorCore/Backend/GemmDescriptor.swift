/// A (batched, strided) matrix product `C = alpha · op(A) · op(B) + beta · C` in row-major storage.
///
/// `op(A)` is `m × k` (A stored `k × m` when `transposeA`), `op(B)` is `k × n`, C is `m × n`.
/// Leading dimensions are row strides in elements. For `batch > 1`, matrix `i` starts at
/// `offset + i · batchStride` in each buffer (a batch stride of 0 reuses one matrix).
public struct GemmDescriptor: Hashable, Sendable {
    /// Rows of `op(A)` and of C.
    public var m: Int
    /// Columns of `op(B)` and of C.
    public var n: Int
    /// Columns of `op(A)`, rows of `op(B)`: the length of each dot product.
    public var k: Int
    /// Whether A is stored transposed (`k × m`), so that `op(A) = Aᵀ`.
    public var transposeA: Bool
    /// Whether B is stored transposed (`n × k`), so that `op(B) = Bᵀ`.
    public var transposeB: Bool
    /// Scale of the product `op(A) · op(B)`.
    public var alpha: Float
    /// Scale of C's previous contents; with `0` C is overwritten without being read (NaN in C
    /// does not propagate).
    public var beta: Float
    /// Element offset of the first matrix in A's buffer.
    public var offsetA: Int
    /// Element offset of the first matrix in B's buffer.
    public var offsetB: Int
    /// Element offset of the first matrix in C's buffer.
    public var offsetC: Int
    /// Row stride of A as stored, in elements (at least `m` when `transposeA`, else `k`).
    public var lda: Int
    /// Row stride of B as stored, in elements (at least `k` when `transposeB`, else `n`).
    public var ldb: Int
    /// Row stride of C, in elements (at least `n`).
    public var ldc: Int
    /// Number of independent products.
    public var batch: Int
    /// Elements between consecutive A matrices of the batch (0 reuses one matrix).
    public var batchStrideA: Int
    /// Elements between consecutive B matrices of the batch (0 reuses one matrix).
    public var batchStrideB: Int
    /// Elements between consecutive C matrices of the batch.
    public var batchStrideC: Int
    /// Whether each element's depth (the `k` products it adds) is summed as a balanced binary tree
    /// instead of in order: leaves of at most 32 terms, node `i` of level `l` starting at term
    /// `⌊i·k / 2^l⌋`. For `h > 16` the product over a depth of `2h` is then, bit for bit, the
    /// product over the first `h` plus the product over the last `h`, which is what two ranks of
    /// data-parallel training add when the depth is the batch (a weight gradient). Backends that cannot honour
    /// it (the CUDA backend) sum in their own order.
    public var pairwiseDepth: Bool

    /// A product of `m × k` by `k × n`; the leading dimensions default to densely packed rows
    /// (`lda` = `m` or `k`, `ldb` = `k` or `n`, `ldc` = `n`), the rest to one plain product
    /// `C = op(A) · op(B)` with the depth summed in order.
    public init(
        m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0,
        offsetA: Int = 0, offsetB: Int = 0, offsetC: Int = 0,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        batch: Int = 1, batchStrideA: Int = 0, batchStrideB: Int = 0, batchStrideC: Int = 0,
        pairwiseDepth: Bool = false
    ) {
        self.m = m; self.n = n; self.k = k
        self.transposeA = transposeA; self.transposeB = transposeB
        self.alpha = alpha; self.beta = beta
        self.offsetA = offsetA; self.offsetB = offsetB; self.offsetC = offsetC
        self.lda = lda ?? (transposeA ? m : k)
        self.ldb = ldb ?? (transposeB ? k : n)
        self.ldc = ldc ?? n
        self.batch = batch
        self.batchStrideA = batchStrideA; self.batchStrideB = batchStrideB; self.batchStrideC = batchStrideC
        self.pairwiseDepth = pairwiseDepth
    }
}
