import Testing
@testable import TensorCore

@Suite struct OpsViewsTests {
    let x = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))

    /// Row-major values of `x` at the given multi-indices.
    func values(_ indices: [[Int]]) -> [Float] { indices.map { Float($0[0] * 12 + $0[1] * 4 + $0[2]) } }

    @Test func reshapeInfersOneDimensionAndSharesStorage() {
        let r = x.reshaped([4, -1])
        expectValues(r, [4, 6], (0..<24).map(Float.init))
        #expect(r.storage === x.storage)
        expectTensorFailure(op: "reshape", mentioning: ["[2, 3, 4]", "[5, -1]"]) { x.reshaped([5, -1]) }
        expectTensorFailure(op: "reshape", mentioning: ["[2, 3, 4]", "[-1, -1]"]) { x.reshaped([-1, -1]) }
        expectTensorFailure(op: "reshape", mentioning: ["[2, 3, 4]", "[7]"]) { x.reshaped([7]) }
    }

    @Test func reshapeOfStridedViewsIsAViewWhenPossibleElseACopy() {
        // Splitting a dimension of a transposed tensor keeps the view...
        let t = x.permuted([2, 0, 1])  // [4, 2, 3]
        let split = t.reshaped([2, 2, 2, 3])
        #expect(split.storage === x.storage)
        #expect(split.scalars == t.scalars)
        // ...as does merging dimensions that stay adjacent in memory ([2, 3] of the original)...
        #expect(t.reshaped([4, 6]).storage === x.storage)
        // ...but merging across the transposition needs a copy.
        let merged = t.reshaped([8, 3])
        #expect(merged.storage !== x.storage)
        #expect(merged.scalars == t.scalars)
    }

    @Test func permuteAndTranspose() {
        let p = x.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(p.storage === x.storage)
        var expected: [Float] = []
        for k in 0..<4 { for i in 0..<2 { for j in 0..<3 { expected += values([[i, j, k]]) } } }
        #expect(p.scalars == expected)
        #expect(x.transposed(0, -1).scalars == x.permuted([2, 1, 0]).scalars)
        expectTensorFailure(op: "permute", mentioning: ["[0, 0, 1]", "[2, 3, 4]"]) { x.permuted([0, 0, 1]) }
        expectTensorFailure(op: "transpose", mentioning: ["3", "[2, 3, 4]"]) { x.transposed(0, 3) }
    }

    @Test func sliceFollowsPythonRules() {
        #expect(
            x.sliced(axis: 2, start: 1, end: 4, step: 2).scalars
                == values((0..<2).flatMap { i in (0..<3).flatMap { j in [[i, j, 1], [i, j, 3]] } }))
        #expect(x.sliced(axis: -1, start: -2).shape == [2, 3, 2])
        #expect(x.sliced(axis: 1, start: 5).shape == [2, 0, 4])
        #expect(x.sliced(axis: 1, start: -10, end: 10).scalars == x.scalars)
        #expect(
            x.sliced(axis: 1, start: 1, end: 3, step: 5).scalars == values((0..<2).flatMap { i in (0..<4).map { [i, 1, $0] } }))
        #expect(x.sliced(axis: 0, start: 1).storage === x.storage)
        expectTensorFailure(op: "slice", mentioning: ["step", "[2, 3, 4]"]) { x.sliced(axis: 0, step: 0) }
        expectTensorFailure(op: "slice", mentioning: ["axis 3", "[2, 3, 4]"]) { x.sliced(axis: 3) }
    }

    @Test func narrowAndSelect() {
        #expect(
            x.narrowed(axis: 1, start: 1, length: 2).scalars
                == values((0..<2).flatMap { i in (1..<3).flatMap { j in (0..<4).map { [i, j, $0] } } }))
        let s = x.selected(axis: 1, index: -1)
        #expect(s.shape == [2, 4])
        #expect(s.scalars == values((0..<2).flatMap { i in (0..<4).map { [i, 2, $0] } }))
        expectTensorFailure(op: "narrow", mentioning: ["start 2, length 2", "[2, 3, 4]"]) {
            x.narrowed(axis: 1, start: 2, length: 2)
        }
        expectTensorFailure(op: "select", mentioning: ["index 3", "[2, 3, 4]"]) { x.selected(axis: 1, index: 3) }
    }

    @Test func expandSqueezeUnsqueezeFlatten() {
        let column = Tensor(shape: [3, 1], scalars: [1, 2, 3])
        let e = column.expanded(to: [2, 3, 4])
        #expect(e.strides == [0, 1, 0])
        let expected: [Float] = (0..<24).map { (i: Int) -> Float in Float((i / 4) % 3 + 1) }
        #expect(e.scalars == expected)
        expectTensorFailure(op: "expand", mentioning: ["[3, 1]", "[2, 4]"]) { column.expanded(to: [2, 4]) }

        #expect(column.squeezed().shape == [3])
        #expect(column.squeezed(axis: 0).shape == [3, 1])  // not size 1: unchanged, as in PyTorch
        #expect(column.squeezed(axis: -1).shape == [3])
        #expect(column.unsqueezed(axis: 0).shape == [1, 3, 1])
        #expect(column.unsqueezed(axis: -1).shape == [3, 1, 1])
        expectTensorFailure(op: "unsqueeze", mentioning: ["axis 3", "[3, 1]"]) { column.unsqueezed(axis: 3) }

        #expect(x.flattened().shape == [24])
        #expect(x.flattened(startAxis: 1).shape == [2, 12])
        #expect(x.flattened(startAxis: 0, endAxis: 1).shape == [6, 4])
        #expect(x.flattened(startAxis: 1).storage === x.storage)
        #expect(Tensor(3).flattened().shape == [1])
        expectTensorFailure(op: "flatten", mentioning: ["[2, 3, 4]"]) { x.flattened(startAxis: 2, endAxis: 1) }
    }

    @Test func gradientsOfViews() {
        let a = randomTensor([2, 3, 4], seed: 1)
        expectGradients([a], "reshape") { $0[0].reshaped([4, -1]) * $0[0].reshaped([4, 6]) }
        expectGradients([a], "reshape of a transposed view") { $0[0].transposed(0, 2).reshaped([4, 6]).exp() }
        expectGradients([a], "permute") { $0[0].permuted([1, 2, 0]).tanh() }
        expectGradients([a], "slice with step") { $0[0].sliced(axis: 2, start: 0, end: 4, step: 3).exp() }
        expectGradients([a], "slice from the end") { $0[0].sliced(axis: 1, start: -2).sigmoid() }
        expectGradients([a], "narrow") { $0[0].narrowed(axis: 2, start: 1, length: 2) * 3 }
        expectGradients([a], "select") { $0[0].selected(axis: 0, index: 1).exp() }
        expectGradients([a], "squeeze/unsqueeze/flatten") {
            $0[0].unsqueezed(axis: 1).squeezed(axis: 1).flattened(startAxis: 1).tanh()
        }
        let b = randomTensor([3, 1], seed: 2)
        expectGradients([b], "expand") { $0[0].expanded(to: [2, 3, 4]).exp() }
        // The same element reached through two overlapping views accumulates both gradients.
        expectGradients([a], "overlapping views") {
            $0[0].narrowed(axis: 2, start: 0, length: 3) * $0[0].narrowed(axis: 2, start: 1, length: 3)
        }
    }
}
