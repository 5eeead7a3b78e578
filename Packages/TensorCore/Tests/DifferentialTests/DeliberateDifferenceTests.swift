import NN
import Testing
import TensorCore
import TensorCoreTesting

// The deliberate differences from PyTorch listed in TensorCore's documentation (the article
// "Agreement with PyTorch"), held here so that the list stays true. The differential fixtures leave
// these inputs out.

@Suite struct DeliberateDifferenceTests {
    @Test func signAndTheGradientOfAbsKeepNaN() {
        // PyTorch: sign(NaN) = 0 and d|x|/dx = sgn(x) = 0 at NaN.
        #expect(Tensor([.nan]).sign().item().isNaN)
        #expect(inputGradients(of: [Tensor([.nan, -2])]) { $0[0].abs() }[0].first?.isNaN == true)
    }

    @Test func maxAndMinReductionsSendTheGradientToTheFirstExtreme() {
        // PyTorch's amax/amin split it evenly among ties (max(dim) sends it to the index it returns).
        #expect(inputGradients(of: [Tensor([1, 3, 3, 0])]) { $0[0].max() }[0] == [0, 1, 0, 0])
        #expect(inputGradients(of: [Tensor(shape: [2, 2], scalars: [0, 0, 5, 5])]) { $0[0].min(axes: [1]) }[0] == [1, 0, 1, 0])
        // A NaN is the extreme (as in argmax): the first NaN gets the gradient, as with PyTorch's
        // max(dim); amax gives the whole group NaN.
        #expect(inputGradients(of: [Tensor([1, .nan, 2, .nan])]) { $0[0].max() }[0] == [0, 1, 0, 0])
        // Elementwise maximum and minimum split ties evenly, as PyTorch does.
        #expect(inputGradients(of: [Tensor([2]), Tensor([2])]) { Tensor.maximum($0[0], $0[1]) } == [[0.5], [0.5]])
    }

    @Test func transposedConvolutionTakesOutputPaddingBelowTheStrideOnly() {
        // PyTorch also accepts output padding below the dilation (rows that receive only the bias).
        let input = Tensor.zeros([1, 2, 3, 3])
        let weight = Tensor.zeros([2, 2, 3, 3])
        #expect(throws: TensorError.self) {
            try withTensorChecking { input.convTranspose2d(weight: weight, outputPadding: (1, 0), dilation: (2, 1)) }
        }
        let valid = try? withTensorChecking {
            input.convTranspose2d(weight: weight, stride: (2, 1), outputPadding: (1, 0), dilation: (2, 1))
        }
        #expect(valid?.shape == [1, 2, 10, 5])
    }

    @Test func binaryCrossEntropyHasAFiniteTargetGradientAtCertainProbabilities() {
        // PyTorch's gradient with respect to the target is −logit(p), infinite at p ∈ {0, 1}; DeepTrust
        // differentiates the loss it computes, whose logarithms are clamped at −100.
        let grads = inputGradients(of: [Tensor([0, 1, 0.5]), Tensor([1, 0, 0.5])]) {
            binaryCrossEntropy($0[0].detached(), $0[1], reduction: .none)
        }
        #expect(grads[1] == [100, -100, 0])
    }

    @Test func binaryCrossEntropyWithLogitsIsInfiniteAtMinusInfinityWithAPositiveTarget() {
        // PyTorch computes (1 − t)·x − logσ(x), which is −∞ + ∞ = NaN at x = −∞; the loss −t·log σ(−∞) is ∞.
        let losses = binaryCrossEntropyWithLogits(Tensor([-.infinity, -.infinity]), Tensor([0.5, 0]), reduction: .none)
        #expect(losses.scalars[0] == .infinity)
        #expect(losses.scalars[1].isNaN)  // 0 · ∞, as in PyTorch
    }

    @Test func convolutionsWithoutChannelsGiveAResult() {
        // PyTorch rejects a weight with a dimension of 0, and for 0 input channels returns 0 output
        // channels; DeepTrust computes the empty sum: the bias alone, or an empty result.
        let bias = Tensor([1, 2, 3])
        let noInput = try? withTensorChecking {
            Tensor.zeros([1, 0, 5, 5]).conv2d(weight: Tensor.zeros([3, 0, 3, 3]), bias: bias)
        }
        #expect(noInput?.shape == [1, 3, 3, 3])
        #expect(
            noInput?.scalars == [Float](repeating: 1, count: 9) + [Float](repeating: 2, count: 9)
                + [Float](repeating: 3, count: 9))
        let noOutput = try? withTensorChecking {
            Tensor.zeros([1, 2, 5, 5]).conv2d(weight: Tensor.zeros([0, 2, 3, 3]))
        }
        #expect(noOutput?.shape == [1, 0, 3, 3])
        let transposed = try? withTensorChecking {
            Tensor.zeros([1, 0, 3, 3]).convTranspose2d(weight: Tensor.zeros([0, 3, 3, 3]), bias: bias)
        }
        #expect(transposed?.shape == [1, 3, 5, 5])
    }
}
