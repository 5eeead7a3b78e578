import Foundation
import NN
import Testing
import TensorCore

// Regression tests for the losses and layers where DeepTrust disagreed with PyTorch at the edges.

@Suite struct NNPyTorchEdgeCaseTests {
    @Test func binaryCrossEntropyWithLogitsHasTheGradientSigmoidMinusTarget() {
        // A logit of exactly 0 (a zero-initialised output layer) must get σ(0) − t = 0.5 − t, not the
        // one-sided slope of the relu and abs in the stable formula.
        var logits = Tensor([0, 0, 1e-30, -3, 4])
        logits.requiresGrad = true
        var target = Tensor([0, 1, 0, 0.25, 1])
        target.requiresGrad = true
        binaryCrossEntropyWithLogits(logits, target, reduction: .none).sum().backward()
        let x: [Double] = [0, 0, 1e-30, -3, 4]
        let t: [Double] = [0, 1, 0, 0.25, 1]
        let expected = zip(x, t).map { Float(1 / (1 + exp(-$0)) - $1) }
        expectClose(logits.grad!.scalars, expected, tolerance: 1e-6)
        // With respect to the target: −x (PyTorch's binary_cross_entropy_with_logits_target_backward).
        expectClose(target.grad!.scalars, x.map { Float(-$0) }, tolerance: 0)
    }

    @Test func sigmoidThenBinaryCrossEntropyMatchesPyTorchDownToMinus104() {
        // σ(x) is subnormal below x ≈ −87.3; PyTorch keeps it, so −log σ(x) ≈ −x until the clamp at 100.
        let xs: [Float] = [-20, -60, -87, -88, -90, -95, -99, -100, -101, -103, -104]
        let p = Tensor(xs).sigmoid()
        let losses = binaryCrossEntropy(p, Tensor.full([xs.count], value: 1), reduction: .none).scalars
        for (x, loss) in zip(xs, losses) {
            let probability = Float(exp(Double(x)) / (1 + exp(Double(x))))
            let expected = probability == 0 ? 100 : Swift.min(-log(Double(probability)), 100)
            #expect(Swift.abs(Double(loss) - expected) < 1e-3, "x = \(x): \(loss), expected \(expected)")
        }
    }

    @Test func batchNormalizationTrainsOnAnEmptyBatchWithoutChangingItsStatistics() {
        // PyTorch returns an empty result and leaves the running statistics; nn.BatchNorm counts the batch.
        let layer = BatchNorm2d(2)
        var input = Tensor.zeros([0, 2, 3, 3])
        input.requiresGrad = true
        let output = layer(input)
        #expect(output.shape == [0, 2, 3, 3])
        output.sum().backward()
        #expect(input.grad?.shape == [0, 2, 3, 3])
        #expect(layer.state.runningMean.value.scalars == [0, 0])
        #expect(layer.state.runningVariance.value.scalars == [1, 1])
        #expect(layer.state.batchesTracked.value.item() == 1)
        // One value per channel is still refused, as in PyTorch.
        #expect(throws: TensorError.self) { try withTensorChecking { BatchNorm1d(3)(Tensor.zeros([1, 3])) } }
    }

    @Test func linearWithoutInputFeaturesGivesTheBias() {
        let layer = Linear(weight: Tensor.zeros([3, 0]), bias: Tensor([1, 2, 3]))
        for shape in [[0], [2, 0], [2, 4, 0], [1, 1, 1, 0], [0, 2, 0]] {
            var input = Tensor.zeros(shape)
            input.requiresGrad = true
            let output = layer(input)
            #expect(output.shape == shape.dropLast() + [3], "\(shape)")
            let rows = shape.dropLast().reduce(1, *)
            #expect(output.scalars == Array([[Float]](repeating: [1, 2, 3], count: rows).joined()), "\(shape)")
            output.sum().backward()
            #expect(input.grad?.shape == shape, "\(shape)")
            #expect(layer.bias!.grad?.scalars == [Float](repeating: Float(rows), count: 3), "\(shape)")
            layer.bias!.grad = nil
        }
    }
}
