import TensorCore

/// The shape and per-operand strides of one elementwise launch (the kernels' `DTGeometry`).
///
/// Operand 0 is the written one, the others are read. Construction simplifies the shape: size-1
/// dimensions are dropped and neighbouring dimensions merged wherever every operand steps through
/// them as one, so contiguous tensors become rank 1 and the kernels divide less.
struct ElementwiseGeometry: Equatable, Sendable {
    private(set) var shape: [Int]
    /// `strides[k][d]`: step of operand `k` along dimension `d`.
    private(set) var strides: [[Int]]
    private(set) var offsets: [Int]

    static let maxRank = Int(KernelConstant.limitMaxRank)
    static let maxOperands = Int(KernelConstant.limitMaxOperands)

    /// The geometry of `layouts` (all of one shape; index 0 is the output).
    init(_ layouts: [StridedLayout]) {
        precondition(!layouts.isEmpty && layouts.count <= Self.maxOperands, "1...\(Self.maxOperands) operands")
        let fullShape = layouts[0].shape
        precondition(layouts.allSatisfy { $0.shape == fullShape }, "operands of different shapes: \(layouts)")
        var shape: [Int] = []
        var strides = [[Int]](repeating: [], count: layouts.count)
        for d in 0..<fullShape.count where fullShape[d] != 1 {
            if let last = shape.indices.last,
                layouts.indices.allSatisfy({ strides[$0][last] == layouts[$0].strides[d] * fullShape[d] })
            {
                shape[last] *= fullShape[d]
                for k in layouts.indices { strides[k][last] = layouts[k].strides[d] }
            } else {
                shape.append(fullShape[d])
                for k in layouts.indices { strides[k].append(layouts[k].strides[d]) }
            }
        }
        if shape.isEmpty {
            shape = [1]
            strides = strides.map { _ in [0] }
        }
        self.shape = shape
        self.strides = strides
        self.offsets = layouts.map(\.offset)
    }

    /// Number of elements.
    var count: Int { shape.reduce(1, *) }
    var rank: Int { shape.count }

    /// Sub-launches that each fit the kernels' limits (rank ≤ ``maxRank``, fewer than `maxCount`
    /// elements), covering the same elements: the outermost dimension is split.
    func pieces(maxRank: Int = ElementwiseGeometry.maxRank, maxCount: Int = Int(Int32.max)) -> [ElementwiseGeometry] {
        if count == 0 { return [] }
        if rank <= maxRank && count <= maxCount { return [self] }
        let inner = count / shape[0]
        if rank > maxRank || inner > maxCount {
            // Drop dimension 0: one piece per index of it.
            return (0..<shape[0]).flatMap { index in
                var piece = self
                piece.shape.removeFirst()
                for k in strides.indices {
                    piece.offsets[k] += index * strides[k][0]
                    piece.strides[k].removeFirst()
                }
                return piece.pieces(maxRank: maxRank, maxCount: maxCount)
            }
        }
        let chunk = max(1, maxCount / inner)
        return stride(from: 0, to: shape[0], by: chunk).map { start in
            var piece = self
            piece.shape[0] = min(chunk, shape[0] - start)
            for k in strides.indices { piece.offsets[k] += start * strides[k][0] }
            return piece
        }
    }

    /// The `DTGeometry` bytes (requires rank ≤ ``maxRank`` and count < 2³²).
    var parameterBlock: ParameterBlock {
        precondition(rank <= Self.maxRank, "geometry of rank \(rank) needs pieces(maxRank:) first")
        var block = ParameterBlock(.geometry)
        for k in strides.indices {
            for d in 0..<rank { block.storeInt64(strides[k][d], at: (k * Self.maxRank + d) * 8) }
            block.storeInt64(offsets[k], at: 256 + k * 8)
        }
        for d in 0..<rank { block.storeUInt32(shape[d], at: 288 + d * 4) }
        block.storeUInt32(rank, at: 320)
        block.storeUInt32(count, at: 324)
        return block
    }
}
