import TensorCore

/// Plain-loop reference implementations of the primitives, written from the Backend protocol's
/// documentation, against which the emulated kernels are checked.
enum Reference {
    static func gemm(_ d: GemmDescriptor, a: [Float], b: [Float], c: [Float]) -> [Float] {
        var out = c
        for batch in 0..<d.batch {
            for i in 0..<d.m {
                for j in 0..<d.n {
                    var sum: Double = 0
                    for l in 0..<d.k {
                        let av = a[d.offsetA + batch * d.batchStrideA + (d.transposeA ? l * d.lda + i : i * d.lda + l)]
                        let bv = b[d.offsetB + batch * d.batchStrideB + (d.transposeB ? j * d.ldb + l : l * d.ldb + j)]
                        sum += Double(av) * Double(bv)
                    }
                    let index = d.offsetC + batch * d.batchStrideC + i * d.ldc + j
                    out[index] = d.beta == 0 ? d.alpha * Float(sum) : d.alpha * Float(sum) + d.beta * c[index]
                }
            }
        }
        return out
    }

    /// Input index read by output (n, o, oy, ox) at kernel tap (c, i, j), or nil in the padding.
    static func inputIndex(_ g: ConvGeometry, n: Int, c: Int, oy: Int, ox: Int, i: Int, j: Int) -> Int? {
        let y = oy * g.strideH - g.padH + i * g.dilationH
        let x = ox * g.strideW - g.padW + j * g.dilationW
        guard y >= 0, y < g.height, x >= 0, x < g.width else { return nil }
        return ((n * g.inChannels + c) * g.height + y) * g.width + x
    }

    /// Calls `body(outputIndex, inputIndex, weightIndex)` for every multiply of the convolution.
    static func forEachTap(_ g: ConvGeometry, _ body: (Int, Int, Int) -> Void) {
        for n in 0..<g.batch {
            for o in 0..<g.outChannels {
                for oy in 0..<g.outHeight {
                    for ox in 0..<g.outWidth {
                        let outputIndex = ((n * g.outChannels + o) * g.outHeight + oy) * g.outWidth + ox
                        for c in 0..<g.inChannels {
                            for i in 0..<g.kernelH {
                                for j in 0..<g.kernelW {
                                    guard let inputIndex = inputIndex(g, n: n, c: c, oy: oy, ox: ox, i: i, j: j) else { continue }
                                    body(outputIndex, inputIndex, ((o * g.inChannels + c) * g.kernelH + i) * g.kernelW + j)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func convForward(_ g: ConvGeometry, input: [Float], weight: [Float]) -> [Float] {
        var out = [Double](repeating: 0, count: g.outputShape.reduce(1, *))
        forEachTap(g) { o, i, w in out[o] += Double(input[i]) * Double(weight[w]) }
        return out.map { Float($0) }
    }

    static func convBackwardInput(_ g: ConvGeometry, gradOutput: [Float], weight: [Float]) -> [Float] {
        var out = [Double](repeating: 0, count: g.inputShape.reduce(1, *))
        forEachTap(g) { o, i, w in out[i] += Double(gradOutput[o]) * Double(weight[w]) }
        return out.map { Float($0) }
    }

    static func convBackwardWeight(_ g: ConvGeometry, input: [Float], gradOutput: [Float]) -> [Float] {
        var out = [Double](repeating: 0, count: g.weightShape.reduce(1, *))
        forEachTap(g) { o, i, w in out[w] += Double(gradOutput[o]) * Double(input[i]) }
        return out.map { Float($0) }
    }

    /// Reduction of [outer, extent, inner] over the middle axis (sum in double, NaN-propagating
    /// extremes, first index on ties).
    static func reduce(_ op: ReduceOp, _ x: [Float], outer: Int, extent: Int, inner: Int) -> [Float] {
        var out: [Float] = []
        for o in 0..<outer {
            for j in 0..<inner {
                let column = (0..<extent).map { x[(o * extent + $0) * inner + j] }
                switch op {
                case .sum: out.append(Float(column.reduce(0.0) { $0 + Double($1) }))
                case .max, .argmax, .min, .argmin:
                    let isMax = op == .max || op == .argmax
                    var best = 0
                    for e in 1..<max(extent, 1) {
                        let (v, b) = (column[e], column[best])
                        if b.isNaN { break }
                        if v.isNaN || (isMax ? v > b : v < b) { best = e }
                    }
                    out.append(op == .max || op == .min ? column[best] : Float(best))
                }
            }
        }
        return out
    }
}
