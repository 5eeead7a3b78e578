import Foundation
import Testing
import TensorCore
import NN

@Suite struct LayerTests {
    @Test func linearComputesXTimesWTransposedPlusB() {
        let layer = Linear(weight: Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), bias: Tensor([0.5, -1]))
        #expect(layer.inputFeatures == 3 && layer.outputFeatures == 2)
        let x = Tensor(shape: [2, 3], scalars: [1, 0, -1, 2, 1, 0])
        // Row 1: [1·1 + 0·2 − 1·3, 1·4 + 0·5 − 1·6] + b = [−2, −2] + [0.5, −1]; row 2: [4, 13] + b.
        expectClose(layer(x).scalars, [-1.5, -3, 4.5, 12])
        #expect(layer(x).shape == [2, 2])
        // Leading dimensions are kept: [2, 1, 3] → [2, 1, 2]; a vector [3] → [2].
        #expect(layer(x.reshaped([2, 1, 3])).shape == [2, 1, 2])
        expectClose(layer(x.reshaped([2, 1, 3])).scalars, [-1.5, -3, 4.5, 12])
        expectClose(layer(Tensor([1, 0, -1])).scalars, [-1.5, -3])
        let noBias = Linear(weight: Tensor(shape: [1, 3], scalars: [1, 1, 1]), bias: nil)
        #expect(noBias.namedLocalParameters.map(\.name) == ["weight"])
        expectClose(noBias(x).scalars, [0, 3])
    }

    @Test func linearReportsTheWrongFeatureCount() {
        let error = tensorError { _ = Linear(4, 2)(Tensor.zeros([3, 5])) }
        #expect(error?.op == "Linear")
        #expect(error?.message.contains("[3, 5]") == true)
        #expect(error?.message.contains("4") == true)
    }

    @Test func linearGradientsReachWeightAndBias() {
        let layer = Linear(weight: Tensor(shape: [1, 2], scalars: [2, 3]), bias: Tensor([1]))
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        layer(x).sum().backward()
        // d/dW Σ(xWᵀ + b) = Σ rows of x; d/db = batch size.
        #expect(layer.weight.grad?.scalars == [4, 6])
        #expect(layer.bias?.grad?.scalars == [2])
    }

    @Test func activationsComputeTheirFunctions() {
        let x = Tensor([-2, -0.5, 0, 0.5, 2])
        expectClose(ReLU()(x).scalars, [0, 0, 0, 0.5, 2])
        expectClose(Tanh()(x).scalars, x.scalars.map { Float(Foundation.tanh(Double($0))) })
        expectClose(Sigmoid()(x).scalars, x.scalars.map { 1 / (1 + Float(Foundation.exp(Double(-$0)))) })
    }

    @Test func flattenAndUnflattenReshape() {
        let x = Tensor.zeros([2, 3, 4, 5])
        #expect(Flatten()(x).shape == [2, 60])
        #expect(Flatten(startDimension: 0)(x).shape == [120])
        #expect(Flatten(startDimension: 1, endDimension: 2)(x).shape == [2, 12, 5])
        #expect(Unflatten(dimension: 1, sizes: [1, 32, 32])(Tensor.zeros([2, 1024])).shape == [2, 1, 32, 32])
        #expect(Unflatten(dimension: -1, sizes: [4, -1])(Tensor.zeros([2, 8])).shape == [2, 4, 2])
        #expect(tensorError { _ = Flatten(startDimension: 4)(x) }?.op == "Flatten")
        #expect(tensorError { _ = Unflatten(dimension: 1, sizes: [3, 3])(Tensor.zeros([2, 8])) } != nil)
    }

    @Test func sequentialChainsLayersInOrder() {
        let model = Sequential(Linear(weight: Tensor(shape: [1, 1], scalars: [-2]), bias: Tensor([1])), ReLU())
        expectClose(model(Tensor(shape: [3, 1], scalars: [-1, 0, 1])).scalars, [3, 1, 0])
        #expect(Sequential()(Tensor([1, 2])).scalars == [1, 2])
    }
}
