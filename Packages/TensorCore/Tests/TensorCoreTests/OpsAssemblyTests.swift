import Foundation
import Testing
@testable import TensorCore

@Suite struct OpsAssemblyTests {
    @Test func padAddsConstantBorders() {
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        expectValues(x.padded([(1, 0), (0, 2)], value: -1), [3, 4], [-1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1])
        expectValues(x.padded([(1, 1)]), [2, 4], [0, 1, 2, 0, 0, 3, 4, 0])
        expectValues(x.transposed(0, 1).padded([(0, 1)]), [2, 3], [1, 3, 0, 2, 4, 0])
        expectTensorFailure(op: "pad", mentioning: ["[2, 2]"]) { x.padded([(1, 1), (1, 1), (1, 1)]) }
        expectTensorFailure(op: "pad", mentioning: ["[-1, 0]", "[2, 2]"]) { x.padded([(-1, 0)]) }
        let image = randomTensor([2, 1, 3, 3], seed: 1)
        expectGradients([image], "pad NCHW") { $0[0].padded([(2, 2), (1, 0)], value: 0.5).tanh() }
        expectGradients([image], "pad a transposed view") { $0[0].transposed(2, 3).padded([(0, 1)]).exp() }
    }

    @Test func concatenateAlongAnyAxis() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), b = Tensor(shape: [2, 1], scalars: [5, 6])
        expectValues(Tensor.concatenated([a, b], axis: 1), [2, 3], [1, 2, 5, 3, 4, 6])
        expectValues(Tensor.concatenated([a, b.transposed(0, 1)], axis: 0), [3, 2], [1, 2, 3, 4, 5, 6])
        expectValues(Tensor.concatenated([a, Tensor.zeros([2, 0]), b], axis: -1), [2, 3], [1, 2, 5, 3, 4, 6])
        expectTensorFailure(op: "concatenate", mentioning: ["[[2, 2], [2, 1]]", "axis 0"]) {
            Tensor.concatenated([a, b], axis: 0)
        }
        expectTensorFailure(op: "concatenate", mentioning: ["cpu", "cuda:5"]) {
            Tensor.concatenated([a, onOtherDevice([2, 2], [0, 0, 0, 0])], axis: 0)
        }
        let x = randomTensor([2, 3], seed: 2), y = randomTensor([2, 4], seed: 3), z = randomTensor([3, 2], seed: 4)
        expectGradients([x, y], "concatenate axis 1") { Tensor.concatenated([$0[0], $0[1], $0[0]], axis: 1).tanh() }
        expectGradients([x, z], "concatenate a transposed view") {
            Tensor.concatenated([$0[0], $0[1].transposed(0, 1)], axis: 0).exp()
        }
    }

    @Test func splitAndChunkAreViews() {
        let x = Tensor(shape: [5, 2], scalars: (0..<10).map(Float.init))
        let parts = x.split(sizes: [1, 3, 1])
        #expect(parts.map(\.shape) == [[1, 2], [3, 2], [1, 2]])
        #expect(parts[1].scalars == [2, 3, 4, 5, 6, 7])
        #expect(parts.allSatisfy { $0.storage === x.storage })
        #expect(x.chunked(2).map(\.shape) == [[3, 2], [2, 2]])
        #expect(x.chunked(3, axis: 1).map(\.shape) == [[5, 1], [5, 1]])
        #expect(x.chunked(5).map(\.shape) == Array(repeating: [1, 2], count: 5))
        do {
            _ = try withTensorChecking { x.split(sizes: [2, 2], axis: 0) }
            Issue.record("expected a failure")
        } catch let error as TensorError {
            #expect(error.op == "split" && error.description.contains("[2, 2]") && error.description.contains("[5, 2]"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        let y = randomTensor([5, 3], seed: 5)
        expectGradients([y], "split pieces used differently") {
            let p = $0[0].split(sizes: [2, 3])
            return Tensor.concatenated([p[1].exp(), p[0] * 3], axis: 0)
        }
        expectGradients([y], "chunk") { $0[0].chunked(2, axis: 1)[1].sigmoid() }
    }

    @Test func softmaxAndLogSoftmax() {
        let x = randomTensor([3, 5], seed: 6, in: -4, 4)
        let v = x.scalars
        for axis in [0, 1, -1] {
            let a = axis < 0 ? axis + 2 : axis
            var expected = [Float](repeating: 0, count: 15)
            for outer in 0..<(a == 0 ? 5 : 3) {
                let positions = (0..<(a == 0 ? 3 : 5)).map { a == 0 ? $0 * 5 + outer : outer * 5 + $0 }
                let total = positions.reduce(0.0) { $0 + Foundation.exp(Double(v[$1])) }
                for p in positions { expected[p] = Float(Foundation.exp(Double(v[p])) / total) }
            }
            expectValues(x.softmax(axis: axis), [3, 5], expected, "softmax \(axis)")
            expectValues(
                x.logSoftmax(axis: axis), [3, 5], expected.map { Foundation.log($0) }, tolerance: 1e-5, "logSoftmax \(axis)")
        }
        // Stable for inputs whose exp overflows Float.
        let big = Tensor([1000, 1001, 999])
        expectValues(big.softmax(), [3], [0.24472848, 0.66524094, 0.09003057])
        expectValues(big.logSoftmax(), [3], [-1.4076059, -0.40760595, -2.407606])
        expectTensorFailure(op: "softmax", mentioning: ["axis 2", "[3, 5]"]) { x.softmax(axis: 2) }
        expectGradients([x], "softmax") { $0[0].softmax(axis: 1) }
        expectGradients([x], "logSoftmax") { $0[0].logSoftmax(axis: 0) }
        expectGradients([x], "softmax of a transposed view") { $0[0].transposed(0, 1).softmax(axis: -1) }
    }
}
