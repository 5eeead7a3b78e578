import Testing
@testable import TensorCore

/// Checks the CPU backend's SGEMM against a plain triple loop (Double accumulation) on every
/// instruction-set path of this machine, with 1 and 2 threads, over the descriptor's variants.
@Suite struct GemmKernelTests {
    /// Deterministic values in [-1, 1) (a small LCG: no dependence on the library's generator).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int((state >> 33) % 2001) - 1000) / 1000
        }
    }

    /// Elements each operand needs for `d` (covering leading dims, offsets and batch strides).
    static func extents(_ d: GemmDescriptor) -> (a: Int, b: Int, c: Int) {
        let aRows = d.transposeA ? d.k : d.m, aCols = d.transposeA ? d.m : d.k
        let bRows = d.transposeB ? d.n : d.k, bCols = d.transposeB ? d.k : d.n
        func extent(_ offset: Int, _ rows: Int, _ cols: Int, _ ld: Int, _ stride: Int) -> Int {
            rows == 0 || cols == 0 ? offset : offset + (d.batch - 1) * stride + (rows - 1) * ld + cols
        }
        return (
            extent(d.offsetA, aRows, aCols, d.lda, d.batchStrideA),
            extent(d.offsetB, bRows, bCols, d.ldb, d.batchStrideB),
            extent(d.offsetC, d.m, d.n, d.ldc, d.batchStrideC)
        )
    }

    /// The reference: C ← alpha·op(A)·op(B) + beta·C for each batch entry in order; also returns, per
    /// element, a bound on the rounding error a Float32 kernel may make.
    static func reference(_ d: GemmDescriptor, _ a: [Float], _ b: [Float], _ c: [Float]) -> (c: [Float], tolerance: [Float]) {
        var out = c
        var tolerance = [Float](repeating: 0, count: c.count)
        for batch in 0..<d.batch {
            let a0 = d.offsetA + batch * d.batchStrideA, b0 = d.offsetB + batch * d.batchStrideB
            let c0 = d.offsetC + batch * d.batchStrideC
            for i in 0..<d.m {
                for j in 0..<d.n {
                    var sum = 0.0, magnitude = 0.0
                    for p in 0..<d.k {
                        let x = Double(d.transposeA ? a[a0 + p * d.lda + i] : a[a0 + i * d.lda + p])
                        let y = Double(d.transposeB ? b[b0 + j * d.ldb + p] : b[b0 + p * d.ldb + j])
                        sum += x * y
                        magnitude += abs(x * y)
                    }
                    let index = c0 + i * d.ldc + j
                    let old = d.beta == 0 ? 0 : Double(out[index])
                    out[index] = Float(Double(d.alpha) * sum + Double(d.beta) * old)
                    tolerance[index] += Float(
                        2e-6 * Double(d.k + 2)
                            * (abs(Double(d.alpha)) * magnitude
                                + abs(Double(d.beta) * old)) + 1e-6)
                }
            }
        }
        return (out, tolerance)
    }

    /// Runs `d` on the backend under the given path and thread count; C starts as `c`.
    static func run(
        _ d: GemmDescriptor, _ a: [Float], _ b: [Float], _ c: [Float],
        isa: CPUInstructionSet, threads: Int
    ) -> [Float] {
        let backend = CPUBackend.shared
        func buffer(_ values: [Float]) -> any DeviceBuffer {
            let buffer = backend.allocate(count: values.count)
            values.withUnsafeBufferPointer { backend.upload($0, to: buffer, offset: 0) }
            return buffer
        }
        let (ba, bb, bc) = (buffer(a), buffer(b), buffer(c))
        CPUBackend.withKernelSettings(instructionSet: isa, threads: threads) {
            backend.gemm(d, a: ba, b: bb, c: bc)
        }
        var out = [Float](repeating: 0, count: c.count)
        out.withUnsafeMutableBufferPointer { backend.download(bc, offset: 0, into: $0) }
        return out
    }

    /// Checks `d` on every path and both thread counts; returns the number of mismatching elements.
    @discardableResult
    static func check(_ d: GemmDescriptor, seed: UInt64 = 1, comment: Comment? = nil) -> Int {
        let (na, nb, nc) = extents(d)
        let a = values(max(na, 1), seed: seed), b = values(max(nb, 1), seed: seed + 1)
        // With beta = 0 the kernel must not read C: fill it with NaN.
        let c = d.beta == 0 ? [Float](repeating: .nan, count: max(nc, 1)) : values(max(nc, 1), seed: seed + 2)
        let expected = reference(d, a, b, c)
        var mismatches = 0
        for isa in CPUBackend.supportedInstructionSets {
            for threads in [1, 2] {
                let got = run(d, a, b, c, isa: isa, threads: threads)
                let bad = zip(got.indices, got).filter { index, value in
                    let want = expected.c[index]
                    if want.isNaN { return !value.isNaN }  // untouched NaN padding stays NaN
                    return !(abs(value - want) <= expected.tolerance[index])
                }
                if let (index, value) = bad.first {
                    Issue.record(
                        "\(isa), \(threads) threads, \(d): element \(index) = \(value), expected \(expected.c[index]) (\(bad.count) bad)\(comment.map { " — \($0)" } ?? "")"
                    )
                }
                mismatches += bad.count
            }
        }
        return mismatches
    }

    @Test(arguments: [false, true], [false, true])
    func oddSizesAllTransposes(transposeA: Bool, transposeB: Bool) {
        let sizes = [1, 7, 33]
        for m in sizes {
            for n in sizes {
                for k in sizes {
                    Self.check(GemmDescriptor(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB))
                }
            }
        }
    }

    @Test(arguments: [false, true], [false, true])
    func longDimensionsOf1000(transposeA: Bool, transposeB: Bool) {
        // Each dimension in turn is 1000 (several tiles, cache blocks and an edge).
        for (m, n, k) in [(1000, 7, 7), (7, 1000, 7), (7, 7, 1000), (1000, 1, 7), (1, 1000, 7)] {
            Self.check(GemmDescriptor(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB))
        }
    }

    @Test func blockedAndThreadedSizes() {
        // Split over threads by columns and by rows; deeper than one depth block (beta applies only
        // to the first block); more columns than one column block; more rows than the shallow
        // blocking is used for; ragged edges on every tile shape.
        Self.check(GemmDescriptor(m: 40, n: 130, k: 300, transposeB: true))
        Self.check(GemmDescriptor(m: 100, n: 70, k: 150, transposeA: true, beta: 0.5))
        Self.check(GemmDescriptor(m: 20, n: 4100, k: 3))
        Self.check(GemmDescriptor(m: 520, n: 33, k: 20))
    }

    @Test(arguments: [(Float(1), Float(0)), (1.5, 0), (0.5, 1), (-1, -0.5), (0, 2), (0, 0)])
    func alphaAndBeta(alpha: Float, beta: Float) {
        for (m, n, k) in [(7, 33, 33), (33, 7, 1), (50, 70, 40)] {
            for (ta, tb) in [(false, false), (true, true)] {
                Self.check(GemmDescriptor(m: m, n: n, k: k, transposeA: ta, transposeB: tb, alpha: alpha, beta: beta))
            }
        }
    }

    @Test func emptyDepthScalesC() {
        Self.check(GemmDescriptor(m: 7, n: 33, k: 0, beta: 0))
        Self.check(GemmDescriptor(m: 7, n: 33, k: 0, beta: 0.5))
        Self.check(GemmDescriptor(m: 7, n: 33, k: 0, beta: 1))
    }

    @Test func leadingDimensionsAndOffsets() {
        // Padded rows: C's padding columns start as NaN when beta is 0 and must stay untouched.
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let (m, n, k) = (33, 7, 70)
            let d = GemmDescriptor(
                m: m, n: n, k: k, transposeA: ta, transposeB: tb, alpha: 1, beta: 0,
                offsetA: 3, offsetB: 5, offsetC: 2,
                lda: (ta ? m : k) + 3, ldb: (tb ? k : n) + 1, ldc: n + 4)
            #expect(Self.check(d) == 0)
            var withBeta = d
            withBeta.beta = 1
            #expect(Self.check(withBeta, seed: 9) == 0)
        }
    }

    @Test func batchedWithStrides() {
        let (m, n, k) = (7, 33, 20)
        // Independent products, each operand with its own stride and padding between matrices.
        Self.check(
            GemmDescriptor(
                m: m, n: n, k: k, offsetA: 1, offsetB: 2, offsetC: 3, batch: 5,
                batchStrideA: m * k + 4, batchStrideB: k * n + 1, batchStrideC: m * n + 2))
        // Stride 0 for A (one left operand reused) and for B.
        Self.check(
            GemmDescriptor(
                m: m, n: n, k: k, transposeB: true, batch: 4,
                batchStrideA: 0, batchStrideB: n * k, batchStrideC: m * n))
        Self.check(
            GemmDescriptor(
                m: m, n: n, k: k, transposeA: true, beta: 0.5, batch: 3,
                batchStrideA: k * m, batchStrideB: 0, batchStrideC: m * n))
        // Stride 0 for C: the products accumulate into one matrix, in order.
        Self.check(
            GemmDescriptor(
                m: m, n: n, k: k, beta: 1, batch: 3,
                batchStrideA: m * k, batchStrideB: k * n, batchStrideC: 0))
        // Many small products (split over threads one product at a time) and a large batch entry.
        Self.check(
            GemmDescriptor(
                m: 33, n: 33, k: 33, batch: 8,
                batchStrideA: 33 * 33, batchStrideB: 33 * 33, batchStrideC: 33 * 33))
        Self.check(
            GemmDescriptor(
                m: 100, n: 100, k: 100, batch: 2,
                batchStrideA: 100 * 100, batchStrideB: 0, batchStrideC: 100 * 100))
    }

    @Test(arguments: [false, true], [false, true])
    func pairwiseDepthIsStillTheProduct(transposeA: Bool, transposeB: Bool) {
        // One leaf, a few leaves, several depth blocks added pairwise (the deepest through the
        // driver's partial sums), on every tile shape (n ≤ 16, ≤ 32, wide; m above 512 for the deep
        // blocks), and with alpha and beta.
        for (m, n, k) in [(7, 33, 33), (33, 7, 100), (40, 130, 300), (20, 16, 1000), (520, 33, 2200), (9, 40, 64)] {
            Self.check(GemmDescriptor(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, pairwiseDepth: true))
        }
        Self.check(
            GemmDescriptor(
                m: 50, n: 70, k: 600, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 1, pairwiseDepth: true))
    }

    /// `parts` equal shares of depth `k` (the operand rows an equal split of a batch gives each
    /// rank), each multiplied on its own with a pairwise depth and the results added as a
    /// balanced tree, against the product over the whole depth: the same bits.
    static func sharesAddUpBitwise(m: Int, n: Int, k: Int, parts: Int, transposeA: Bool) -> Int {
        let a = values(m * k, seed: UInt64(k)), b = values(k * n, seed: UInt64(k) + 1)
        let nan = [Float](repeating: .nan, count: m * n)
        var mismatches = 0
        for isa in CPUBackend.supportedInstructionSets {
            for threads in [1, 2] {
                // A is m × k (or stored k × m), B is k × n: a share of the depth is a block of
                // A's columns (rows when transposed) and of B's rows.
                func product(_ first: Int, _ depth: Int) -> [Float] {
                    let d = GemmDescriptor(
                        m: m, n: n, k: depth, transposeA: transposeA,
                        offsetA: transposeA ? first * m : first, offsetB: first * n,
                        lda: transposeA ? m : k, ldb: n, pairwiseDepth: true)
                    return run(d, a, b, nan, isa: isa, threads: threads)
                }
                func tree(_ first: Int, _ shares: Int) -> [Float] {
                    if shares == 1 { return product(first * (k / parts), k / parts) }
                    let left = tree(first, shares / 2), right = tree(first + shares / 2, shares / 2)
                    return zip(left, right).map { $0 + $1 }
                }
                let whole = product(0, k), added = tree(0, parts)
                let bad = zip(whole, added).filter { $0.bitPattern != $1.bitPattern }.count
                if bad > 0 {
                    Issue.record("\(isa), \(threads) threads, \(m)×\(n), depth \(k) in \(parts) shares: \(bad) elements differ")
                }
                mismatches += bad
            }
        }
        return mismatches
    }

    @Test(arguments: [false, true])
    func aPairwiseDepthIsTheSumOfItsEqualShares(transposeA: Bool) {
        // Shares of a power-of-two number of leaves, of odd sizes (50, 75), of one leaf or less,
        // and a depth of several blocks (2 × 1100, 4 × 600 on 520 rows) split in 2 and in 4.
        for (m, n, k, parts) in [
            (64, 72, 128, 2), (64, 72, 128, 4), (30, 20, 100, 2), (30, 20, 300, 4), (16, 40, 40, 2),
            (33, 16, 2200, 2), (520, 33, 2400, 4),
        ] {
            #expect(Self.sharesAddUpBitwise(m: m, n: n, k: k, parts: parts, transposeA: transposeA) == 0)
        }
    }

    @Test func anInOrderDepthIsNotTheSumOfItsShares() {
        // Why the pairwise depth exists: summed in order, the whole depth and its two halves round
        // differently (so the check above can fail).
        let (m, n, k) = (64, 72, 128)
        let a = Self.values(m * k, seed: 5), b = Self.values(k * n, seed: 6)
        let nan = [Float](repeating: .nan, count: m * n)
        func product(_ first: Int, _ depth: Int) -> [Float] {
            Self.run(
                GemmDescriptor(m: m, n: n, k: depth, offsetA: first, offsetB: first * n, lda: k, ldb: n), a, b, nan,
                isa: .portable, threads: 1)
        }
        let halves = zip(product(0, k / 2), product(k / 2, k / 2)).map { $0 + $1 }
        #expect(zip(product(0, k), halves).contains { $0.bitPattern != $1.bitPattern })
    }

    @Test func checkerCatchesAWrongResult() {
        // The harness itself must be able to fail: a reference with a perturbed element disagrees.
        let d = GemmDescriptor(m: 3, n: 3, k: 3)
        let a = Self.values(9, seed: 1), b = Self.values(9, seed: 2), c = [Float](repeating: 0, count: 9)
        var expected = Self.reference(d, a, b, c)
        expected.c[4] += 0.01
        let got = Self.run(d, a, b, c, isa: .portable, threads: 1)
        #expect(abs(got[4] - expected.c[4]) > expected.tolerance[4])
    }
}
