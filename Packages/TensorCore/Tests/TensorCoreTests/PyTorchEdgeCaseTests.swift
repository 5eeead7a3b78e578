import Foundation
import Testing
@testable import TensorCore
import TensorCoreTesting

// Regression tests for the edge cases where TensorCore disagreed with PyTorch (float32 and float64
// PyTorch agree on each, so none is rounding noise). The expected values follow PyTorch's
// derivative formulas (tools/autograd/derivatives.yaml) or, for values, a float64 reference.

@Suite struct PyTorchEdgeCaseTests {
    @Test func powWithExponentZeroHasZeroGradientAtZero() {
        // d(x⁰)/dx is 0 everywhere in PyTorch (pow_backward returns zeros for exponent 0),
        // not 0 · 0⁻¹ = NaN.
        let grads = inputGradients(of: [Tensor([0, 2, -3])]) { $0[0].pow(0) }
        #expect(grads[0] == [0, 0, 0])
    }

    @Test func powOfTensorsHasZeroGradientsAtAZeroBase() {
        // d(aᵇ)/db at a = 0, b ≥ 0 is 0 (not 0 · log 0 = NaN); d(aᵇ)/da at b = 0 is 0.
        let grads = inputGradients(of: [Tensor([0, 0, 0, 2]), Tensor([2, 0, 0.5, 3])]) { $0[0].pow($0[1]) }
        #expect(grads[0] == [0, 0, .infinity, 12])
        #expect(grads[1][0] == 0 && grads[1][1] == 0 && grads[1][2] == 0)
        #expect(Swift.abs(grads[1][3] - Float(8 * Foundation.log(2.0))) < 1e-5)
    }

    @Test(arguments: [false, true])
    func maximumAndMinimumPassTheGradientToBothOperandsOfANaN(minimum: Bool) {
        // PyTorch masks a's gradient only where a loses (a < b for maximum), so a comparison with
        // NaN, which is false, leaves the whole gradient on both sides.
        for (a, b) in [(Float.nan, Float(1)), (1, .nan)] {
            let grads = inputGradients(of: [Tensor([a, 2, 3]), Tensor([b, 3, 3])]) {
                minimum ? Tensor.minimum($0[0], $0[1]) : Tensor.maximum($0[0], $0[1])
            }
            #expect(grads[0] == [1, minimum ? 1 : 0, 0.5], "a = \(a), b = \(b)")
            #expect(grads[1] == [1, minimum ? 0 : 1, 0.5], "a = \(a), b = \(b)")
        }
    }

    @Test(arguments: CPUBackend.supportedInstructionSets, [1, 3])
    func subnormalInputsAndResultsAreExact(path: CPUInstructionSet, threads: Int) {
        // Kernels run with IEEE subnormals (no flush-to-zero), on the caller and on workers alike.
        // 1e-38, 1e-40 and 1e-45 rounded to float32 (all subnormal), and the smallest normal float.
        let (e38, e40) = (Float(bitPattern: 0x006C_E3EE), Float(bitPattern: 0x0001_16C2))
        let inputs: [Float] = [e38, e40, .leastNonzeroMagnitude, .leastNormalMagnitude]
        let big = [Float](repeating: e40, count: 100_000)
        CPUBackend.withKernelSettings(instructionSet: path, threads: threads) {
            let logs = Tensor(inputs).log().scalars
            for (x, y) in zip(inputs, logs) {
                #expect(Swift.abs(Double(y) - Foundation.log(Double(x))) < 1e-4, "log(\(x)) = \(y)")
            }
            let bigLogs = Tensor(big).log().scalars
            #expect(bigLogs.allSatisfy { Swift.abs(Double($0) - Foundation.log(Double(e40))) < 1e-4 })
            #expect((Tensor(big) * 0.5).scalars.allSatisfy { $0 == e40 * 0.5 })
            for x: Float in [-88, -95, -100, -103] {
                let expected = Float(Foundation.exp(Double(x)) / (1 + Foundation.exp(Double(x))))
                let got = Tensor([x]).sigmoid().item()
                #expect(got > 0 && Swift.abs(got - expected) <= 2 * expected.ulp, "sigmoid(\(x)) = \(got), expected \(expected)")
            }
        }
    }

    @Test func matmulWithAnEmptyInnerDimensionIsZeros() {
        let cases: [([Int], [Int], [Int])] = [
            ([1, 1, 0], [0, 1], [1, 1, 1]), ([2, 3, 0], [0, 4], [2, 3, 4]), ([0, 2, 0], [0, 3], [0, 2, 3]),
            ([3, 0], [0, 2], [3, 2]), ([0], [0], []), ([2, 1, 0], [2, 0, 5], [2, 1, 5]),
        ]
        for (a, b, expected) in cases {
            let grads = inputGradients(of: [Tensor.zeros(a), Tensor.zeros(b)]) { inputs in
                let product = inputs[0].matmul(inputs[1])
                #expect(product.shape == expected, "\(a) × \(b)")
                #expect(product.scalars.allSatisfy { $0 == 0 }, "\(a) × \(b)")
                return product
            }
            #expect(grads[0].count == a.reduce(1, *) && grads[1].count == b.reduce(1, *), "\(a) × \(b)")
        }
    }
}
