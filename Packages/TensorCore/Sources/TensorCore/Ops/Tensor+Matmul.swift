// Matrix products with PyTorch's `matmul` semantics: 1-D operands are promoted to a row (left) or
// a column (right) and the added dimension removed again; leading (batch) dimensions broadcast.
// Operands reach the backend's GEMM in their own layout (as a transposed operand when that is how
// they are stored), so transposed views cost no copy.

/// How one matrix operand is handed to GEMM: its buffer, whether it is stored transposed, its
/// leading dimension and its element offset.
private struct GemmOperand {
    var tensor: Tensor
    var transposed: Bool
    var leadingDimension: Int
}

extension Tensor {
    /// The matrix product of `self` and `other` (PyTorch's `matmul`):
    /// - 2-D × 2-D: `[m, k] × [k, n] → [m, n]`;
    /// - 1-D × 1-D: the dot product (shape `[]`);
    /// - a 1-D left operand `[k]` acts as `[1, k]`, a 1-D right operand `[k]` as `[k, 1]`, and
    ///   the added dimension is removed from the result;
    /// - higher ranks: batches of matrices, `[…, m, k] × […, k, n] → […, m, n]`, with the batch
    ///   dimensions broadcast against each other.
    ///
    /// Misuse (inner dimensions differ, batch dimensions do not broadcast, a 0-D operand, different
    /// devices) is reported naming both shapes.
    public func matmul(_ other: Tensor) -> Tensor {
        let op = "matmul"
        guard checkSameDevice([other], op: op) else { return placeholder([]) }
        guard rank >= 1, other.rank >= 1 else {
            reportTensorFailure(
                TensorError(.shapeMismatch, op: op, "both operands need at least one dimension: \(shape) × \(other.shape)"))
            return placeholder([])
        }
        let a = rank == 1 ? unsqueezed(axis: 0) : self
        let b = other.rank == 1 ? other.unsqueezed(axis: 1) : other
        let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (k2, n) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = ShapeRules.broadcast(batchA, batchB)
        var resultShape = (batch ?? batchA) + (rank == 1 ? [] : [m]) + (other.rank == 1 ? [] : [n])
        guard k == k2 else {
            reportTensorFailure(TensorError(.shapeMismatch, op: op, "inner dimensions differ: \(shape) × \(other.shape)"))
            return placeholder(resultShape)
        }
        guard let batch else {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: op,
                    "batch dimensions \(batchA) and \(batchB) cannot be broadcast: "
                        + "\(shape) × \(other.shape)"))
            return placeholder(resultShape)
        }
        resultShape = batch + (rank == 1 ? [] : [m]) + (other.rank == 1 ? [] : [n])
        let product: Tensor
        if b.rank == 2 && a.rank > 2 {
            // A batch of rows times one matrix is one large GEMM: [batch·m, k] × [k, n].
            product = a.reshaped([batch.reduce(1, *) * m, k]).matrixProduct(b).reshaped(batch + [m, n])
        } else {
            product = a.matrixProduct(b)
        }
        return product.shape == resultShape ? product : product.reshaped(resultShape)
    }

    /// `self · other + addend` for matrices `[m, k] × [k, n]` and an addend that broadcasts to
    /// `[m, n]` (typically a bias `[n]`), as one GEMM that starts from the addend instead of a
    /// product followed by an addition pass (PyTorch's `addmm`). Differentiable in all three.
    ///
    /// Misuse (ranks other than 2, inner dimensions differ, an addend that does not broadcast,
    /// different devices) is reported naming the shapes.
    public func matmul(_ other: Tensor, adding addend: Tensor) -> Tensor {
        let op = "matmul(adding:)"
        guard checkSameDevice([other, addend], op: op) else { return placeholder([]) }
        guard rank == 2, other.rank == 2, shape[1] == other.shape[0] else {
            reportTensorFailure(
                TensorError(.shapeMismatch, op: op, "needs matrices [m, k] × [k, n], got \(shape) × \(other.shape)"))
            return placeholder([rank == 2 ? shape[0] : 0, other.rank == 2 ? other.shape[1] : 0])
        }
        let resultShape = [shape[0], other.shape[1]]
        guard ShapeRules.broadcast(addend.shape, resultShape) == resultShape else {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: op,
                    "addend \(addend.shape) does not broadcast to the product's shape "
                        + "\(resultShape) (\(shape) × \(other.shape))"))
            return placeholder(resultShape)
        }
        let result = Tensor.batchedGemm(self, other, startingFrom: addend)
        let addendShape = addend.shape
        let needAddend = addend.needsGradient
        return Tensor.recordedProduct(result, self, other, extraInputs: [addend]) { g in
            [needAddend ? g.sum(toShape: addendShape) : nil]
        }
    }

    /// `[…, m, k] × […, k, n]` with broadcast batch dimensions (arguments checked), recorded.
    func matrixProduct(_ other: Tensor) -> Tensor {
        Tensor.recordedProduct(Tensor.batchedGemm(self, other), self, other)
    }

    /// Records `result = lhs × rhs (+ extra inputs)` for autodiff: the matrix-product gradients of
    /// `lhs` and `rhs`, then `extraGradients(g)` for `extraInputs`.
    private static func recordedProduct(
        _ result: Tensor, _ lhs: Tensor, _ rhs: Tensor, extraInputs: [Tensor] = [],
        extraGradients: @escaping @Sendable (Tensor) -> [Tensor?] = { _ in [] }
    ) -> Tensor {
        let (a, b) = (lhs.detached(), rhs.detached())
        let (needA, needB) = (lhs.needsGradient, rhs.needsGradient)
        // Each gradient is produced in its operand's memory order: for an operand stored
        // transposed (such as `weight.transposed(0, 1)` in a linear layer) the product is formed
        // transposed, so the gradient reaching the stored tensor is contiguous, not a view that
        // an optimizer would have to copy.
        let (aTransposed, bTransposed) = (a.isStoredTransposed, b.isStoredTransposed)
        return Tensor.recorded(result, op: "matmul", inputs: [lhs, rhs] + extraInputs) { g in
            let gradA: Tensor? =
                !needA
                ? nil
                : aTransposed
                    ? Tensor.batchedGemm(b, g.transposed(-1, -2)).transposed(-1, -2)
                    : Tensor.batchedGemm(g, b.transposed(-1, -2))
            // The right operand's gradient sums over the rows of `lhs` (the batch, for a layer's
            // weight) as a balanced tree, so that shares of a batch summed on their own and then
            // added give the whole batch's gradient bit for bit (data-parallel training).
            let gradB: Tensor? =
                !needB
                ? nil
                : bTransposed
                    ? Tensor.batchedGemm(g.transposed(-1, -2), a, pairwiseDepth: true).transposed(-1, -2)
                    : Tensor.batchedGemm(a.transposed(-1, -2), g, pairwiseDepth: true)
            return [gradA?.sum(toShape: a.shape), gradB?.sum(toShape: b.shape)] + extraGradients(g)
        }
    }

    /// Whether the matrices in the last two dimensions are stored column by column (a transposed
    /// view): unit row stride and a column stride spanning the rows.
    var isStoredTransposed: Bool {
        let (rows, columns) = (shape[rank - 2], shape[rank - 1])
        return rows > 1 && columns > 1 && strides[rank - 2] == 1 && strides[rank - 1] >= rows
    }

    /// The GEMM calls of `a × b` (ranks ≥ 2, valid shapes), without recording; with `initial`
    /// (broadcastable to the result), `initial + a × b`, accumulated by the GEMM into a copy of it;
    /// `pairwiseDepth` as in ``GemmDescriptor/pairwiseDepth``.
    static func batchedGemm(
        _ a: Tensor, _ b: Tensor, startingFrom initial: Tensor? = nil, pairwiseDepth: Bool = false
    ) -> Tensor {
        let (m, k, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
        let batch = ShapeRules.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) ?? []
        let out = Tensor.uninitialized(batch + [m, n], backend: a.backend)
        if out.count == 0 { return out }
        if let initial {
            a.backend.copy(initial.storage.buffer, initial.layout.broadcast(to: out.shape), to: out.storage.buffer, out.layout)
        }
        if k == 0 {
            if initial == nil { a.backend.fill(out.storage.buffer, offset: 0, count: out.count, value: 0) }
            return out
        }
        let opA = gemmOperand(a, rows: m, columns: k)
        let opB = gemmOperand(b, rows: k, columns: n)
        // Batch strides of the three operands (A and B broadcast to the batch shape).
        let aBatch = Array(opA.tensor.layout.broadcast(to: batch + [m, k]).strides.dropLast(2))
        let bBatch = Array(opB.tensor.layout.broadcast(to: batch + [k, n]).strides.dropLast(2))
        let cBatch = Array(out.strides.dropLast(2))
        // Merge batch dimensions that are adjacent in all three layouts; the innermost merged
        // dimension becomes the GEMM batch, the others are walked here.
        var dims: [(size: Int, a: Int, b: Int, c: Int)] = []
        for d in batch.indices where batch[d] != 1 {
            if let last = dims.last, last.a == aBatch[d] * batch[d], last.b == bBatch[d] * batch[d],
                last.c == cBatch[d] * batch[d]
            {
                dims[dims.count - 1] = (last.size * batch[d], aBatch[d], bBatch[d], cBatch[d])
            } else {
                dims.append((batch[d], aBatch[d], bBatch[d], cBatch[d]))
            }
        }
        let innermost = dims.popLast() ?? (size: 1, a: 0, b: 0, c: 0)
        let calls = dims.reduce(1) { $0 * $1.size }
        for call in 0..<calls {
            var (offsetA, offsetB, offsetC) = (opA.tensor.layout.offset, opB.tensor.layout.offset, 0)
            var rest = call
            for d in dims.reversed() {
                let i = rest % d.size
                rest /= d.size
                offsetA += i * d.a
                offsetB += i * d.b
                offsetC += i * d.c
            }
            let descriptor = GemmDescriptor(
                m: m, n: n, k: k, transposeA: opA.transposed, transposeB: opB.transposed,
                beta: initial == nil ? 0 : 1, offsetA: offsetA, offsetB: offsetB, offsetC: offsetC,
                lda: opA.leadingDimension, ldb: opB.leadingDimension, ldc: n,
                batch: innermost.size, batchStrideA: innermost.a,
                batchStrideB: innermost.b, batchStrideC: innermost.c, pairwiseDepth: pairwiseDepth)
            a.backend.gemm(descriptor, a: opA.tensor.storage.buffer, b: opB.tensor.storage.buffer, c: out.storage.buffer)
        }
        return out
    }

    /// How the `rows × columns` matrices in the last two dimensions of `x` are passed to GEMM:
    /// as stored (row stride = leading dimension), as a transposed operand (column stride =
    /// leading dimension), or — when neither describes the layout — from a contiguous copy.
    private static func gemmOperand(_ x: Tensor, rows: Int, columns: Int) -> GemmOperand {
        let rowStride = x.strides[x.rank - 2], columnStride = x.strides[x.rank - 1]
        if (columns == 1 || columnStride == 1) && (rows == 1 || rowStride >= columns) {
            return GemmOperand(tensor: x, transposed: false, leadingDimension: rows == 1 ? columns : rowStride)
        }
        if (rows == 1 || rowStride == 1) && (columns == 1 || columnStride >= rows) {
            return GemmOperand(tensor: x, transposed: true, leadingDimension: columns == 1 ? rows : columnStride)
        }
        return GemmOperand(tensor: x.detached().contiguous(), transposed: false, leadingDimension: columns)
    }
}
