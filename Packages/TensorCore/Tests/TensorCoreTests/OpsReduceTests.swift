import Testing
@testable import TensorCore

/// Reduces `values` of `shape` over `axes` with `combine`, which receives each group in row-major
/// order; returns the values in row-major order of the kept shape.
private func referenceReduce(_ values: [Float], shape: [Int], axes: [Int], _ combine: ([Float]) -> Float) -> [Float] {
    let strides = StridedLayout.rowMajorStrides(shape)
    let kept = shape.indices.filter { !axes.contains($0) }
    func indices(_ dims: [Int]) -> [[Int]] {
        dims.reduce([[]]) { partial, d in partial.flatMap { prefix in (0..<shape[d]).map { prefix + [$0] } } }
    }
    return indices(kept).map { keptIndex in
        let group = indices(axes).map { reducedIndex -> Float in
            var offset = 0
            for (d, i) in zip(kept, keptIndex) { offset += strides[d] * i }
            for (d, i) in zip(axes, reducedIndex) { offset += strides[d] * i }
            return values[offset]
        }
        return combine(group)
    }
}

@Suite struct OpsReduceTests {
    static let axisSets: [[Int]] = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]

    @Test(arguments: axisSets)
    func reductionsMatchReference(axes: [Int]) {
        // A coarse grid makes ties common; the transposed input exercises non-contiguous sources.
        let base = randomTensor([5, 3, 4], seed: 1).scalars.map { ($0 * 2).rounded() / 2 }
        let x = Tensor(shape: [5, 3, 4], scalars: base)
        let t = x.permuted([2, 0, 1])  // [4, 5, 3]
        for (input, name) in [(x, "contiguous"), (t, "transposed")] {
            let v = input.scalars, shape = input.shape
            let keptShape = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
            let droppedShape = shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            let n = Float(axes.reduce(1) { $0 * shape[$1] })
            let sum = referenceReduce(v, shape: shape, axes: axes) { $0.reduce(0, +) }
            expectValues(input.sum(axes: axes), droppedShape, sum, "sum \(name) \(axes)")
            expectValues(input.sum(axes: axes, keepingDimensions: true), keptShape, sum, "sum keep \(name) \(axes)")
            expectValues(input.mean(axes: axes), droppedShape, sum.map { $0 / n }, "mean \(name) \(axes)")
            expectValues(
                input.max(axes: axes, keepingDimensions: true), keptShape,
                referenceReduce(v, shape: shape, axes: axes) { $0.max()! }, "max \(name) \(axes)")
            expectValues(
                input.min(axes: axes), droppedShape,
                referenceReduce(v, shape: shape, axes: axes) { $0.min()! }, "min \(name) \(axes)")
            func variance(divisorOffset: Int) -> [Float] {
                referenceReduce(v, shape: shape, axes: axes) { group in
                    let mean = group.reduce(0, +) / Float(group.count)
                    return group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(group.count - divisorOffset)
                }
            }
            expectValues(input.variance(axes: axes), droppedShape, variance(divisorOffset: 1), "variance \(name) \(axes)")
            expectValues(
                input.variance(axes: axes, unbiased: false, keepingDimensions: true), keptShape,
                variance(divisorOffset: 0), "biased variance \(name) \(axes)")
        }
    }

    @Test(arguments: [0, 1, 2, -1])
    func argExtremesPickTheFirst(axis: Int) {
        let v = randomTensor([5, 3, 4], seed: 2).scalars.map { $0.rounded() }  // many ties
        let x = Tensor(shape: [5, 3, 4], scalars: v).transposed(0, 2)  // [4, 3, 5], strided
        let a = axis < 0 ? axis + 3 : axis
        let values = x.scalars
        let dropped = x.shape.enumerated().filter { $0.offset != a }.map(\.element)
        expectValues(
            x.argmax(axis: axis), dropped,
            referenceReduce(values, shape: x.shape, axes: [a]) {
                Float($0.firstIndex(of: $0.max()!)!)
            })
        expectValues(
            x.argmin(axis: axis, keepingDimensions: true), x.shape.enumerated().map { $0.offset == a ? 1 : $0.element },
            referenceReduce(values, shape: x.shape, axes: [a]) { Float($0.firstIndex(of: $0.min()!)!) })
    }

    @Test func argExtremesOfTheWholeTensorAndMisuse() {
        let x = Tensor(shape: [2, 3], scalars: [1, 7, 3, 7, 0, 0])
        expectValues(x.argmax(), [], [1])
        expectValues(x.argmin(keepingDimensions: true), [1, 1], [4])
        expectValues(x.transposed(0, 1).argmax(), [], [1])  // flattened in the view's order: 1 7 7 0 3 0
        expectTensorFailure(op: "argmax", mentioning: ["axis 2", "[2, 3]"]) { x.argmax(axis: 2) }
        expectTensorFailure(op: "argmin", mentioning: ["empty", "[0]"]) { Tensor.zeros([0]).argmin() }
        expectTensorFailure(op: "sum", mentioning: ["axis -3", "[2, 3]"]) { x.sum(axes: [-3]) }
        expectTensorFailure(op: "mean", mentioning: ["repeated", "[2, 3]"]) { x.mean(axes: [1, -1]) }
        expectTensorFailure(op: "max", mentioning: ["empty", "[2, 0]"]) { Tensor.zeros([2, 0]).max(axes: [1]) }
    }

    @Test func aSumOverTheBatchIsTheSumOfItsHalves() {
        // Column sums add leaves of up to 32 rows as a balanced tree: the sum over 2h rows is the
        // sum of the sums over each h rows, bit for bit (a bias gradient in data-parallel
        // training), for h of one leaf, several, and not a power of two; and still the sum.
        for rows in [16, 64, 100, 256, 1000] {
            let columns = 37
            let values = GemmKernelTests.values(rows * columns, seed: UInt64(rows)).map { $0 * 1000 }
            let whole = Tensor(shape: [rows, columns], scalars: values).sum(axes: [0]).scalars
            let half = rows / 2 * columns
            let top = Tensor(shape: [rows / 2, columns], scalars: Array(values[..<half])).sum(axes: [0]).scalars
            let bottom = Tensor(shape: [rows / 2, columns], scalars: Array(values[half...])).sum(axes: [0]).scalars
            #expect(whole.map { $0.bitPattern } == zip(top, bottom).map { ($0 + $1).bitPattern }, "\(rows) rows")
            for j in 0..<columns {
                let exact = (0..<rows).reduce(0.0) { $0 + Double(values[$1 * columns + j]) }
                #expect(abs(Double(whole[j]) - exact) <= 1e-6 * (abs(exact) + Double(rows) * 1000), "\(rows) rows, column \(j)")
            }
        }
    }

    @Test func emptyAndDegenerateReductions() {
        expectValues(Tensor.zeros([2, 0]).sum(axes: [1]), [2], [0, 0])
        #expect(Tensor.zeros([0]).mean().item().isNaN)
        #expect(Tensor([3]).variance().item().isNaN)
        expectValues(Tensor([3]).variance(unbiased: false), [], [0])
        expectValues(Tensor.zeros([0, 3]).max(axes: [1]), [0], [])
    }

    @Test func maxAndMinSendTheGradientToTheFirstExtreme() {
        var x = Tensor(shape: [2, 3], scalars: [5, 1, 5, 2, 2, 0])
        x.requiresGrad = true
        (x.max(axes: [1]) * Tensor([10, 20])).sum().backward()
        #expect(x.grad?.scalars == [10, 0, 0, 20, 0, 0])
        var y = Tensor(shape: [2, 3], scalars: [5, 1, 5, 0, 2, 0])
        y.requiresGrad = true
        y.min().backward()
        #expect(y.grad?.scalars == [0, 0, 0, 1, 0, 0])
    }

    @Test func gradientsOfReductions() {
        let x = randomTensor([3, 4, 5], seed: 3)
        for axes in [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]] {
            expectGradients([x], "sum \(axes)") { $0[0].sum(axes: axes) }
            expectGradients([x], "mean \(axes) keep") { $0[0].mean(axes: axes, keepingDimensions: true) }
            expectGradients([x], "variance \(axes)") { $0[0].variance(axes: axes) }
            expectGradients([x], "biased variance \(axes)") { $0[0].variance(axes: axes, unbiased: false) }
            expectGradients([x], "max \(axes)") { $0[0].max(axes: axes) }
            expectGradients([x], "min \(axes) keep") { $0[0].min(axes: axes, keepingDimensions: true) }
        }
        // Strided and broadcast inputs.
        expectGradients([x], "sum of a transposed view") { $0[0].transposed(0, 2).sum(axes: [1]) }
        expectGradients([x], "max of a sliced view") { $0[0].sliced(axis: 2, step: 2).max(axes: [0, 2]) }
        expectGradients([randomTensor([4, 1], seed: 4)], "mean of an expanded view") {
            ($0[0].expanded(to: [3, 4, 5]) * x).mean(axes: [0, 2])
        }
    }
}
