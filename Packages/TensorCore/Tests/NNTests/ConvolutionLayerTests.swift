import Testing
import TensorCore
import NN

@Suite struct ConvolutionLayerTests {
    @Test func conv2dMatchesAHandComputedCorrelation() {
        // One 3×3 input, one 2×2 kernel, padding 0: out[i][j] = Σ x[i+a][j+b]·k[a][b] + bias.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let conv = Conv2d(weight: Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 0, -1]), bias: Tensor([10]))
        #expect(conv(x).shape == [1, 1, 2, 2])
        expectClose(conv(x).scalars, [1 - 5 + 10, 2 - 6 + 10, 4 - 8 + 10, 5 - 9 + 10])
        #expect(conv.inChannels == 1 && conv.outChannels == 1 && conv.kernelSize == (2, 2))
    }

    @Test func convolutionShapesFollowTheCNNVAE() {
        let x = Tensor.zeros([2, 1, 32, 32])
        let c1 = Conv2d(1, 16, kernelSize: 5, padding: 2)
        let c2 = Conv2d(16, 32, kernelSize: 3, stride: 2, padding: 1)
        let c3 = Conv2d(32, 64, kernelSize: 3, stride: 2, padding: 1)
        let h = c3(c2(c1(x)))
        #expect(h.shape == [2, 64, 8, 8])
        let t1 = ConvTranspose2d(64, 32, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)
        let t2 = ConvTranspose2d(32, 16, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)
        #expect(t1.weight.shape == [64, 32, 3, 3] && t1.bias?.shape == [32])
        #expect(t2(t1(h)).shape == [2, 16, 32, 32])
        // Dilation: (7 − 2·(3 − 1) − 1) / 1 + 1 = 3.
        #expect(Conv2d(1, 1, kernelSize: 3, dilation: 2)(Tensor.zeros([1, 1, 7, 7])).shape == [1, 1, 3, 3])
        // Transposed with dilation 2 and stride 3: (3 − 1)·3 − 0 + 2·(3 − 1) + 0 + 1 = 11.
        #expect(
            ConvTranspose2d(1, 1, kernelSize: 3, stride: 3, dilation: 2)(Tensor.zeros([1, 1, 3, 3])).shape == [1, 1, 11, 11])
    }

    @Test func convTransposeIsTheAdjointOfConv() {
        // ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ for the same weight (no bias): the defining property.
        let generator = RandomGenerator(seed: 3)
        let conv = Conv2d(2, 3, kernelSize: (3, 2), stride: (2, 1), padding: (1, 0), bias: false, generator: generator)
        let transposed = ConvTranspose2d(
            weight: conv.weight.value, bias: nil, stride: (2, 1), padding: (1, 0),
            outputPadding: (1, 0))
        let x = Tensor.rand([1, 2, 6, 5], generator: generator)
        let y = Tensor.rand(conv(x).shape, generator: generator)
        let back = transposed(y)
        #expect(back.shape == x.shape)
        let lhs = (conv(x) * y).sum().item()
        let rhs = (x * back).sum().item()
        #expect(Swift.abs(lhs - rhs) <= 1e-4 * Swift.max(1, Swift.abs(lhs)))
    }
}
