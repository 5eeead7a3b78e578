import Foundation
import Testing
@testable import TensorCore

// The CPU backend's copy, unary, binary, select and reduce primitives against plain Swift
// references, on odd sizes and on every instruction-set path this machine can run.

/// Host data in a fresh CPU buffer.
private func buffer(_ values: [Float]) -> any DeviceBuffer {
    let b = CPUBackend.shared.allocate(count: values.count)
    values.withUnsafeBufferPointer { CPUBackend.shared.upload($0, to: b, offset: 0) }
    return b
}

private func read(_ b: any DeviceBuffer, count: Int) -> [Float] {
    var out = [Float](repeating: .nan, count: count)
    out.withUnsafeMutableBufferPointer { CPUBackend.shared.download(b, offset: 0, into: $0) }
    return out
}

/// Buffer offsets of a layout's elements in row-major index order.
func elementOffsets(_ layout: StridedLayout) -> [Int] {
    var offsets = [layout.offset]
    for d in 0..<layout.rank {
        offsets = offsets.flatMap { base in (0..<layout.shape[d]).map { base + $0 * layout.strides[d] } }
    }
    return layout.count == 0 ? [] : offsets
}

/// Reproducible values in [low, high).
func randomValues(_ count: Int, seed: UInt64, in low: Float = -2, _ high: Float = 2) -> [Float] {
    var stream = PhiloxStream(key: PhiloxKey(seed: seed))
    return (0..<count).map { _ in stream.nextUniform(in: low, high) }
}

/// True when `a` and `b` agree to `ulps` units in the last place (NaN matches NaN).
func closeFloats(_ a: Float, _ b: Float, ulps: Float = 4) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a == b { return true }
    return Swift.abs(a - b) <= ulps * max(a.magnitude, b.magnitude).ulp
}

private let sizes = [1, 7, 33, 1000]

@Suite struct ElementwiseKernelTests {
    static let paths = CPUBackend.supportedInstructionSets

    @Test(arguments: paths)
    func unaryMatchesReference(path: CPUInstructionSet) {
        let ops: [(UnaryOp, (Float) -> Float)] = [
            (.neg, { -$0 }), (.exp, { Foundation.exp($0) }), (.log, { Foundation.log($0) }),
            (.sqrt, { $0.squareRoot() }), (.abs, { Swift.abs($0) }), (.relu, { $0 < 0 ? 0 : $0 }),
            (.tanh, { Foundation.tanh($0) }), (.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }),
            (.softplus, { Swift.max($0, 0) + Foundation.log1p(Foundation.exp(-Swift.abs($0))) }),
            (.sign, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }), (.addScalar(1.5), { $0 + 1.5 }),
            (.mulScalar(-3), { $0 * -3 }), (.reciprocalScaled(2), { 2 / $0 }),
            (.powScalar(2), { $0 * $0 }), (.powScalar(3), { Foundation.pow($0, 3) }),
            (.powScalar(0.5), { $0.squareRoot() }), (.powScalar(-1), { 1 / $0 }),
            (.clamp(low: -0.5, high: 1), { Swift.min(Swift.max($0, -0.5), 1) }),
            (.greaterThanScalar(0.25), { $0 > 0.25 ? 1 : 0 }),
        ]
        CPUBackend.withKernelSettings(instructionSet: path) {
            for n in sizes {
                // Every other element of a 2n buffer (stride 2), and the dense buffer.
                let values = randomValues(2 * n, seed: UInt64(n), in: 0.1, 3).enumerated().map {
                    $0.offset % 3 == 0 ? -$0.element : $0.element
                }
                let source = buffer(values)
                for layout in [StridedLayout(contiguous: [2 * n]), StridedLayout(shape: [n], strides: [2], offset: 1)] {
                    for (op, reference) in ops {
                        let out = CPUBackend.shared.allocate(count: layout.count)
                        CPUBackend.shared.unary(op, source, layout, into: out)
                        let got = read(out, count: layout.count)
                        let expected = elementOffsets(layout).map { reference(values[$0]) }
                        let bad = got.indices.first { !closeFloats(got[$0], expected[$0]) }
                        #expect(
                            bad == nil,
                            "\(op) n=\(n) \(layout) [\(bad ?? 0)]: \(bad.map { got[$0] } ?? 0) vs \(bad.map { expected[$0] } ?? 0)"
                        )
                    }
                }
            }
        }
    }

    /// exp, tanh and sigmoid use vectorisable approximations: compare them with double-precision
    /// references over their whole range, including the overflow and underflow edges.
    @Test(arguments: paths)
    func transcendentalsAreAccurate(path: CPUInstructionSet) {
        var values: [Float] = stride(from: -110.0, through: 110.0, by: 0.01).map { Float($0) }
        values += stride(from: -8.0, through: 8.0, by: 1.0 / 1024).map { Float($0) }
        values += (-30...0).flatMap { e -> [Float] in
            let v = Float(pow(2.0, Double(e))); return [v, -v, v * 1.37, -v * 0.77]
        }
        values += [88.72, 88.73, -87.33, -103.9, -104, 0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude]
        let cases: [(UnaryOp, (Double) -> Double, Float)] = [
            (.exp, { Foundation.exp($0) }, 2), (.tanh, { Foundation.tanh($0) }, 2),
            (.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }, 3),
        ]
        CPUBackend.withKernelSettings(instructionSet: path) {
            let source = buffer(values)
            for (op, reference, ulps) in cases {
                let out = CPUBackend.shared.allocate(count: values.count)
                CPUBackend.shared.unary(op, source, StridedLayout(contiguous: [values.count]), into: out)
                let got = read(out, count: values.count)
                var worst = (ulps: Float(0), at: Float(0))
                for (x, y) in zip(values, got) {
                    let expected = Float(reference(Double(x)))
                    let error = expected == y ? 0 : (expected.isFinite ? Swift.abs(y - expected) / expected.ulp : .infinity)
                    if !(error <= worst.ulps) { worst = (error, x) }
                }
                #expect(worst.ulps <= ulps, "\(op) on \(path): \(worst.ulps) ulps at x = \(worst.at)")
            }
        }
    }

    @Test(arguments: paths)
    func unaryPropagatesNaN(path: CPUInstructionSet) {
        let ops: [UnaryOp] = [
            .neg, .exp, .log, .sqrt, .abs, .relu, .tanh, .sigmoid, .softplus, .sign,
            .addScalar(1), .mulScalar(2), .powScalar(2), .clamp(low: -1, high: 1),
        ]
        CPUBackend.withKernelSettings(instructionSet: path) {
            let source = buffer([Float](repeating: .nan, count: 33))
            for op in ops {
                let out = CPUBackend.shared.allocate(count: 33)
                CPUBackend.shared.unary(op, source, StridedLayout(contiguous: [33]), into: out)
                #expect(read(out, count: 33).allSatisfy { $0.isNaN }, "\(op)")
            }
        }
    }

    @Test(arguments: paths)
    func binaryMatchesReferenceUnderBroadcasting(path: CPUInstructionSet) {
        let ops: [(BinaryOp, (Float, Float) -> Float)] = [
            (.add, +), (.sub, -), (.mul, *), (.div, /), (.pow, { Foundation.pow(Swift.abs($0), $1) }),
            (.maximum, { Swift.max($0, $1) }), (.minimum, { Swift.min($0, $1) }),
            (.equal, { $0 == $1 ? 1 : 0 }), (.notEqual, { $0 != $1 ? 1 : 0 }), (.less, { $0 < $1 ? 1 : 0 }),
            (.lessEqual, { $0 <= $1 ? 1 : 0 }), (.greater, { $0 > $1 ? 1 : 0 }), (.greaterEqual, { $0 >= $1 ? 1 : 0 }),
        ]
        CPUBackend.withKernelSettings(instructionSet: path) {
            for n in sizes {
                // Values on a coarse grid so that equal operands occur.
                let a = randomValues(3 * n, seed: 10 + UInt64(n)).map { ($0 * 2).rounded() / 2 }
                let b = randomValues(3 * n, seed: 20 + UInt64(n)).map { ($0 * 2).rounded() / 2 }
                let (ab, bb, absolute) = (buffer(a), buffer(b), buffer(a.map { Swift.abs($0) }))
                let cases: [(StridedLayout, StridedLayout)] = [
                    (StridedLayout(contiguous: [3, n]), StridedLayout(contiguous: [3, n])),  // both dense
                    (StridedLayout(contiguous: [3, n]), StridedLayout(shape: [3, n], strides: [0, 0])),  // scalar b
                    (StridedLayout(shape: [3, n], strides: [0, 0], offset: 2), StridedLayout(contiguous: [3, n])),  // scalar a
                    (StridedLayout(contiguous: [3, n]), StridedLayout(shape: [3, n], strides: [0, 1])),  // row broadcast (bias)
                    // transposed, column
                    (StridedLayout(shape: [n, 3], strides: [1, n]), StridedLayout(shape: [n, 3], strides: [1, 0])),
                    (
                        StridedLayout(shape: [n, 2], strides: [3, -1], offset: 1),
                        StridedLayout(shape: [n, 2], strides: [2, 1], offset: n)
                    ),
                ]
                for (la, lb) in cases {
                    let (oa, ob) = (elementOffsets(la), elementOffsets(lb))
                    for (op, reference) in ops {
                        let out = CPUBackend.shared.allocate(count: la.count)
                        // pow runs on |a| (a negative base with a fractional exponent is NaN).
                        CPUBackend.shared.binary(op, op == .pow ? absolute : ab, la, bb, lb, into: out)
                        let got = read(out, count: la.count)
                        let expected = zip(oa, ob).map { reference(a[$0], b[$1]) }
                        let bad = got.indices.first { !closeFloats(got[$0], expected[$0]) }
                        #expect(bad == nil, "\(op) n=\(n) a: \(la) b: \(lb) [\(bad ?? 0)]")
                    }
                }
            }
        }
    }

    @Test(arguments: paths)
    func maximumAndMinimumPropagateNaN(path: CPUInstructionSet) {
        CPUBackend.withKernelSettings(instructionSet: path) {
            let a = buffer([.nan, 1, .nan, 2, 0, 3, 4])
            let b = buffer([1, .nan, .nan, 1, 0, 5, 4])
            let layout = StridedLayout(contiguous: [7])
            for op in [BinaryOp.maximum, .minimum] {
                let out = CPUBackend.shared.allocate(count: 7)
                CPUBackend.shared.binary(op, a, layout, b, layout, into: out)
                let got = read(out, count: 7)
                #expect(got[0...2].allSatisfy { $0.isNaN }, "\(op)")
                #expect(Array(got[3...]) == (op == .maximum ? [2, 0, 5, 4] : [1, 0, 3, 4]), "\(op)")
            }
        }
    }

    @Test(arguments: paths)
    func selectMatchesReference(path: CPUInstructionSet) {
        CPUBackend.withKernelSettings(instructionSet: path) {
            for n in sizes {
                let condition = randomValues(2 * n, seed: 30 + UInt64(n)).map { $0 > 0 ? Float(1) : 0 }
                let a = randomValues(2 * n, seed: 31 + UInt64(n)), b = randomValues(2 * n, seed: 32 + UInt64(n))
                let (cb, ab, bb) = (buffer(condition), buffer(a), buffer(b))
                let dense = StridedLayout(contiguous: [2, n])
                let cases: [(StridedLayout, StridedLayout, StridedLayout)] = [
                    (dense, dense, dense),
                    (dense, dense, StridedLayout(shape: [2, n], strides: [0, 0], offset: 3 % (2 * n))),
                    (dense, StridedLayout(shape: [2, n], strides: [0, 0]), dense),
                    (StridedLayout(shape: [2, n], strides: [1, 2]), StridedLayout(shape: [2, n], strides: [0, 1]), dense),
                ]
                for (lc, la, lb) in cases {
                    let out = CPUBackend.shared.allocate(count: 2 * n)
                    CPUBackend.shared.select(cb, lc, ab, la, bb, lb, into: out)
                    let expected = zip(elementOffsets(lc), zip(elementOffsets(la), elementOffsets(lb))).map {
                        condition[$0] != 0 ? a[$1.0] : b[$1.1]
                    }
                    #expect(read(out, count: 2 * n) == expected, "n=\(n) c: \(lc) a: \(la) b: \(lb)")
                }
            }
        }
    }

    @Test(arguments: paths)
    func reductionsMatchReference(path: CPUInstructionSet) {
        let blocks = sizes.flatMap { n in [(1, n, 1), (3, n, 1), (1, n, 7), (2, n, 33), (1, 7, n), (2, 1, n)] } + [(1, 33, 300)]
        CPUBackend.withKernelSettings(instructionSet: path) {
            for (outer, extent, inner) in blocks {
                // A coarse grid makes ties common, so the first-extreme rule is exercised.
                let x = randomValues(outer * extent * inner, seed: UInt64(outer * 1_000_003 + extent * 1009 + inner))
                    .map { ($0 * 4).rounded() / 4 }
                let source = buffer(x)
                func at(_ o: Int, _ e: Int, _ i: Int) -> Float { x[(o * extent + e) * inner + i] }
                for op in [ReduceOp.sum, .max, .min, .argmax, .argmin] {
                    let out = CPUBackend.shared.allocate(count: outer * inner)
                    CPUBackend.shared.reduce(op, source, offset: 0, outer: outer, extent: extent, inner: inner, into: out)
                    let got = read(out, count: outer * inner)
                    var expected: [Float] = []
                    for o in 0..<outer {
                        for i in 0..<inner {
                            let column = (0..<extent).map { at(o, $0, i) }
                            switch op {
                            case .sum: expected.append(Float(column.reduce(0.0) { $0 + Double($1) }))
                            case .max: expected.append(column.max()!)
                            case .min: expected.append(column.min()!)
                            case .argmax: expected.append(Float(column.firstIndex(of: column.max()!)!))
                            case .argmin: expected.append(Float(column.firstIndex(of: column.min()!)!))
                            }
                        }
                    }
                    #expect(got == expected, "\(op) [\(outer), \(extent), \(inner)]")
                }
            }
        }
    }

    @Test(arguments: paths)
    func reductionsPropagateNaNAndPickFirstNaN(path: CPUInstructionSet) {
        CPUBackend.withKernelSettings(instructionSet: path) {
            for (extent, inner) in [(40, 1), (40, 3)] {
                var x = [Float](repeating: 1, count: extent * inner)
                for i in 0..<inner { x[17 * inner + i] = .nan; x[23 * inner + i] = .nan; x[5 * inner + i] = 9 }
                let source = buffer(x)
                for op in [ReduceOp.max, .min, .sum, .argmax, .argmin] {
                    let out = CPUBackend.shared.allocate(count: inner)
                    CPUBackend.shared.reduce(op, source, offset: 0, outer: 1, extent: extent, inner: inner, into: out)
                    let got = read(out, count: inner)
                    switch op {
                    case .argmax, .argmin: #expect(got == [Float](repeating: 17, count: inner), "\(op) inner \(inner)")
                    default: #expect(got.allSatisfy { $0.isNaN }, "\(op) inner \(inner)")
                    }
                }
            }
        }
    }

    @Test func sumIsAccurate() {
        // 1 + 10⁶ · 1e-8: float accumulation loses every small term, double keeps them.
        let x = [Float(1)] + [Float](repeating: 1e-8, count: 1_000_000)
        let out = CPUBackend.shared.allocate(count: 1)
        CPUBackend.shared.reduce(.sum, buffer(x), offset: 0, outer: 1, extent: x.count, inner: 1, into: out)
        #expect(read(out, count: 1)[0] == Float(1 + 1e6 * Double(Float(1e-8))))
    }

    @Test(arguments: sizes)
    func copyHandlesEveryLayout(n: Int) {
        let x = randomValues(3 * n * 5, seed: 40 + UInt64(n))
        let source = buffer(x)
        let cases: [(StridedLayout, StridedLayout)] = [
            (StridedLayout(contiguous: [3, n]), StridedLayout(contiguous: [3, n])),  // memcpy
            (StridedLayout(shape: [n, 5], strides: [1, n]), StridedLayout(contiguous: [n, 5])),  // transpose
            (StridedLayout(shape: [3, n, 5], strides: [5 * n, 1, n]), StridedLayout(contiguous: [3, n, 5])),  // batched
            (StridedLayout(shape: [n, 3], strides: [1, n]), StridedLayout(contiguous: [n, 3])),  // narrow transpose
            (StridedLayout(shape: [3, n], strides: [5 * n, 2], offset: 1), StridedLayout(contiguous: [3, n])),  // strided rows
            // strided destination
            (StridedLayout(shape: [3, n], strides: [n, 1]), StridedLayout(shape: [3, n], strides: [1, 3])),
            (StridedLayout(shape: [3, n], strides: [0, 1]), StridedLayout(contiguous: [3, n])),  // broadcast source
            (StridedLayout(shape: [n], strides: [-1], offset: n - 1), StridedLayout(contiguous: [n])),  // reversed
        ]
        for (from, to) in cases {
            let size = elementOffsets(to).max()! + 1
            let out = CPUBackend.shared.allocate(count: size)
            CPUBackend.shared.fill(out, offset: 0, count: size, value: .nan)
            CPUBackend.shared.copy(source, from, to: out, to)
            let got = read(out, count: size)
            let expected = elementOffsets(from).map { x[$0] }
            #expect(elementOffsets(to).map { got[$0] } == expected, "n=\(n) \(from) → \(to)")
        }
    }

    @Test func resultsDoNotDependOnTheThreadCount() {
        let x = randomValues(300_000, seed: 50)
        let source = buffer(x)
        func run() -> [[Float]] {
            let layout = StridedLayout(shape: [600, 500], strides: [1, 600])
            let exp = CPUBackend.shared.allocate(count: x.count)
            CPUBackend.shared.unary(.exp, source, layout, into: exp)
            let sum = CPUBackend.shared.allocate(count: 600)
            CPUBackend.shared.reduce(.sum, source, offset: 0, outer: 600, extent: 500, inner: 1, into: sum)
            let columns = CPUBackend.shared.allocate(count: 500)
            CPUBackend.shared.reduce(.sum, source, offset: 0, outer: 1, extent: 600, inner: 500, into: columns)
            return [read(exp, count: x.count), read(sum, count: 600), read(columns, count: 500)]
        }
        let one = CPUBackend.withKernelSettings(threads: 1) { run() }
        let three = CPUBackend.withKernelSettings(threads: 3) { run() }
        #expect(one == three)
    }
}
