import Testing
import TensorCore
@testable import NN

// Sequential runs a Linear, Conv2d or ConvTranspose2d followed by a ReLU as one fused layer. The
// result and every gradient must be those of running the layers one at a time.

/// Reproducible values in [-1, 1).
private func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int((state >> 40) % 2001) - 1000) / 1000
    }
}

/// Output and parameter gradients of `model` on `input`, layer by layer when `unfused`.
private func run(_ model: Sequential, _ input: Tensor, unfused: Bool) -> (output: [Float], gradients: [[Float]]) {
    model.zeroGrad()
    var x = input
    x.requiresGrad = true
    let output = unfused ? model.layers.reduce(x) { value, layer in layer(value) } : model(x)
    (output * output).sum().backward()
    return (output.scalars, model.parameters.map { $0.grad?.scalars ?? [] } + [x.grad?.scalars ?? []])
}

@Suite struct SequentialFusionTests {
    @Test func fusedLayersGiveTheLayerByLayerResultAndGradients() {
        let generator = RandomGenerator(seed: 7)
        let model = Sequential(
            Conv2d(2, 4, kernelSize: 3, padding: 1, generator: generator), ReLU(),
            ConvTranspose2d(4, 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator), ReLU(),
            Conv2d(3, 2, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: generator), ReLU(),
            Flatten(), Linear(2 * 5 * 5, 8, generator: generator), ReLU(),
            Linear(8, 6, bias: false, generator: generator), ReLU(),
            Linear(6, 3, generator: generator), Tanh())
        let input = Tensor(shape: [3, 2, 5, 5], scalars: values(3 * 2 * 5 * 5, seed: 1))
        let fused = run(model, input, unfused: false)
        let plain = run(model, input, unfused: true)
        expectClose(fused.output, plain.output, tolerance: 1e-5)
        #expect(fused.gradients.count == plain.gradients.count)
        for (index, (got, expected)) in zip(fused.gradients, plain.gradients).enumerated() {
            #expect(!got.isEmpty, "gradient \(index) is missing")
            expectClose(got, expected, tolerance: 1e-4)
        }
    }

    @Test func aConvolutionAfterAFusedReLUAppliesItsGradient() {
        // Conv → ReLU → Conv (no bias) → ReLU → ConvTranspose → ReLU → Linear: the second and
        // third layers apply the gradient of the ReLU before them; the Linear does not.
        let generator = RandomGenerator(seed: 11)
        let model = Sequential(
            Conv2d(2, 4, kernelSize: 3, padding: 1, generator: generator), ReLU(),
            Conv2d(4, 4, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: generator), ReLU(),
            ConvTranspose2d(4, 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator), ReLU(),
            Flatten(), Linear(3 * 6 * 6, 5, generator: generator))
        let steps = SequentialStep.plan(model.layers)
        #expect(steps.map(\.fusesReLU) == [true, true, true, false, false])
        #expect(steps.map(\.reluGradientAppliedByNext) == [true, true, false, false, false])
        #expect(steps.map(\.appliesReLUGradient) == [false, true, true, false, false])
        // Inputs with exact zeros after the first ReLU (negative pre-activations) and the same
        // values and gradients, to the bit, as layer by layer (the mask is the ReLU's select).
        let input = Tensor(shape: [2, 2, 6, 6], scalars: values(2 * 2 * 6 * 6, seed: 4))
        let fused = run(model, input, unfused: false)
        let plain = run(model, input, unfused: true)
        #expect(fused.output.map(\.bitPattern) == plain.output.map(\.bitPattern))
        for (index, (got, expected)) in zip(fused.gradients, plain.gradients).enumerated() {
            #expect(!got.isEmpty && got.map(\.bitPattern) == expected.map(\.bitPattern), "gradient \(index)")
        }
    }

    @Test func reluNotAfterABiasLayerAndTrailingLayersStillRun() {
        let model = Sequential(
            ReLU(), Linear(weight: Tensor(shape: [2, 2], scalars: [1, -1, 2, 1]), bias: Tensor([0.5, -4])),
            ReLU(), ReLU(), Linear(weight: Tensor(shape: [1, 2], scalars: [1, 1]), bias: Tensor([-1])))
        let x = Tensor(shape: [2, 2], scalars: [-1, 2, 3, 1])
        // relu → [[0, 2], [3, 1]]; Linear → [[-1.5, -2], [2.5, 3]]; relu twice → [[0, 0], [2.5, 3]];
        // last Linear → [[-1], [4.5]].
        expectClose(model(x).scalars, [-1, 4.5])
        #expect(model.namedParameters().map(\.name) == ["1.weight", "1.bias", "4.weight", "4.bias"])
    }

    @Test func unbatchedConvolutionInputsKeepTheirShape() {
        let generator = RandomGenerator(seed: 3)
        let model = Sequential(Conv2d(1, 2, kernelSize: 3, padding: 1, generator: generator), ReLU())
        let input = Tensor(shape: [1, 4, 4], scalars: values(16, seed: 9))
        let output = model(input)
        #expect(output.shape == [2, 4, 4])
        let batched = model(input.unsqueezed(axis: 0)).gradientOp
        #expect(batched == "conv2d+relu", "the ReLU was not fused: \(batched ?? "none")")
        expectClose(output.scalars, model.layers.reduce(input) { value, layer in layer(value) }.scalars)
    }
}
