import Testing
@testable import TensorCore

/// `[…, m, k] × […, k, n]` by plain loops in Double, with NumPy broadcasting of the batch
/// dimensions (both operands at least 2-D).
private func referenceMatmul(_ a: Tensor, _ b: Tensor) -> (shape: [Int], values: [Float]) {
    let (m, k, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
    let batch = ShapeRules.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))!
    let (av, bv) = (a.expanded(to: batch + [m, k]).scalars, b.expanded(to: batch + [k, n]).scalars)
    var out: [Float] = []
    for p in 0..<batch.reduce(1, *) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for l in 0..<k { s += Double(av[p * m * k + i * k + l]) * Double(bv[p * k * n + l * n + j]) }
                out.append(Float(s))
            }
        }
    }
    return (batch + [m, n], out)
}

@Suite struct OpsMatmulTests {
    @Test(arguments: [(1, 1, 1), (7, 33, 1), (33, 7, 65), (1, 1000, 7), (64, 64, 64)])
    func matrixTimesMatrix(m: Int, k: Int, n: Int) {
        let a = randomTensor([m, k], seed: UInt64(m * 100 + k)), b = randomTensor([k, n], seed: UInt64(n * 7 + k))
        let expected = referenceMatmul(a, b)
        expectValues(a.matmul(b), expected.shape, expected.values, tolerance: 1e-4, "\(m)×\(k)×\(n)")
        // Transposed and strided operands reach GEMM without a copy or through one: same result.
        let at = randomTensor([k, m], seed: 3).transposed(0, 1), bt = randomTensor([n, k], seed: 4).transposed(0, 1)
        let reference = referenceMatmul(at, bt)
        expectValues(at.matmul(bt), reference.shape, reference.values, tolerance: 1e-4, "transposed \(m)×\(k)×\(n)")
        let sliced = randomTensor([m, 2 * k], seed: 5).sliced(axis: 1, step: 2)
        let slicedReference = referenceMatmul(sliced, b)
        expectValues(sliced.matmul(b), slicedReference.shape, slicedReference.values, tolerance: 1e-4, "strided columns")
    }

    @Test func batchedAndBroadcast() {
        let cases: [([Int], [Int])] = [
            ([3, 4, 5], [3, 5, 2]),  // batched
            ([2, 3, 4, 5], [5, 6]),  // batch × one matrix
            ([4, 5], [2, 3, 5, 6]),  // one matrix × batch
            ([2, 1, 4, 5], [3, 5, 2]),  // broadcast batch dims
            ([1, 3, 4, 5], [2, 1, 5, 2]),  // both broadcast: needs several GEMM calls
        ]
        for (i, (sa, sb)) in cases.enumerated() {
            let a = randomTensor(sa, seed: UInt64(10 + i)), b = randomTensor(sb, seed: UInt64(20 + i))
            let expected = referenceMatmul(a, b)
            expectValues(a.matmul(b), expected.shape, expected.values, tolerance: 1e-4, "\(sa) × \(sb)")
            let bt = b.transposed(-1, -2).contiguous().transposed(-1, -2)
            expectValues(a.matmul(bt), expected.shape, expected.values, tolerance: 1e-4, "\(sa) × transposed \(sb)")
        }
    }

    @Test func oneDimensionalOperands() {
        let v = Tensor([1, 2, 3]), w = Tensor([4, 5, 6])
        let m = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        expectValues(v.matmul(w), [], [32])
        expectValues(v.matmul(m), [2], [22, 28])
        expectValues(m.transposed(0, 1).matmul(v), [2], [22, 28])
        let batch = Tensor(shape: [2, 2, 3], scalars: (0..<12).map(Float.init))
        expectValues(batch.matmul(v), [2, 2], [8, 26, 44, 62])
        expectValues(v.matmul(batch.transposed(1, 2)), [2, 2], [8, 26, 44, 62])
        expectValues(Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 3])), [2, 3], [0, 0, 0, 0, 0, 0])
    }

    @Test func misuseNamesBothShapes() {
        expectTensorFailure(op: "matmul", mentioning: ["inner dimensions", "[2, 3]", "[4, 5]"]) {
            Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        expectTensorFailure(op: "matmul", mentioning: ["[2, 2, 3]", "[3, 3, 4]"]) {
            Tensor.zeros([2, 2, 3]).matmul(Tensor.zeros([3, 3, 4]))
        }
        expectTensorFailure(op: "matmul", mentioning: ["[]", "[3]"]) { Tensor(1).matmul(Tensor.zeros([3])) }
        expectTensorFailure(op: "matmul", mentioning: ["cpu", "cuda:5"]) {
            Tensor.zeros([2, 2]).matmul(onOtherDevice([2, 2], [1, 2, 3, 4]))
        }
    }

    @Test func gradientOfATransposedWeightIsContiguous() throws {
        // A linear layer: x · wᵀ with w [out, in]; w's gradient arrives without a view to copy.
        var w = randomTensor([5, 4], seed: 50)
        w.requiresGrad = true
        let x = randomTensor([3, 4], seed: 51)
        let g = randomTensor([3, 5], seed: 52)
        x.matmul(w.transposed(0, 1)).backward(g)
        let grad = try #require(w.grad)
        #expect(grad.isContiguous)
        let expected = referenceMatmul(g.transposed(0, 1), x)
        expectValues(grad, expected.shape, expected.values, tolerance: 1e-5, "dw")
    }

    @Test func gradients() {
        let a = randomTensor([3, 4], seed: 30), b = randomTensor([4, 5], seed: 31)
        expectGradients([a, b], "2-D") { $0[0].matmul($0[1]) }
        expectGradients([a, b], "transposed operands") { $0[1].transposed(0, 1).matmul($0[0].transposed(0, 1)) }
        expectGradients([randomTensor([2, 3, 4], seed: 32), b], "batch × matrix") { $0[0].matmul($0[1]) }
        expectGradients([a, randomTensor([2, 4, 5], seed: 33)], "matrix × batch") { $0[0].matmul($0[1]) }
        expectGradients([randomTensor([2, 1, 3, 4], seed: 34), randomTensor([3, 4, 2], seed: 35)], "broadcast batches") {
            $0[0].matmul($0[1])
        }
        expectGradients([randomTensor([4], seed: 36), b], "vector × matrix") { $0[0].matmul($0[1]) }
        expectGradients([a, randomTensor([4], seed: 37)], "matrix × vector") { $0[0].matmul($0[1]) }
        expectGradients([randomTensor([4], seed: 38), randomTensor([4], seed: 39)], "dot") { $0[0].matmul($0[1]) }
        expectGradients([randomTensor([3, 8], seed: 40), b], "sliced operand") { $0[0].sliced(axis: 1, step: 2).matmul($0[1]) }
        expectGradients([randomTensor([1, 4], seed: 41), b], "expanded operand") { $0[0].expanded(to: [3, 4]).matmul($0[1]) }
    }
}
