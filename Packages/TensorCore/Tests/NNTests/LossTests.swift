import Foundation
import Testing
import TensorCore
import NN
import TensorCoreTesting

@Suite struct LossTests {
    let input = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
    let target = Tensor(shape: [2, 2], scalars: [0, 2, 5, 3])

    @Test func meanSquaredErrorReductions() {
        // Squared differences: 1, 0, 4, 1.
        #expect(mseLoss(input, target, reduction: .none).shape == [2, 2])
        expectClose(mseLoss(input, target, reduction: .none).scalars, [1, 0, 4, 1])
        #expect(mseLoss(input, target, reduction: .sum).shape == [])
        #expect(mseLoss(input, target, reduction: .sum).item() == 6)
        #expect(mseLoss(input, target).item() == 1.5)
    }

    @Test func binaryCrossEntropyMatchesTheDefinition() {
        let p: [Float] = [0.1, 0.5, 0.9, 0.3]
        let t: [Float] = [0, 1, 1, 0.25]
        let expected = zip(p, t).map { p, t in Float(-(Double(t) * log(Double(p)) + (1 - Double(t)) * log(1 - Double(p)))) }
        let probabilities = Tensor(shape: [2, 2], scalars: p)
        let targets = Tensor(shape: [2, 2], scalars: t)
        expectClose(binaryCrossEntropy(probabilities, targets, reduction: .none).scalars, expected)
        expectClose([binaryCrossEntropy(probabilities, targets, reduction: .sum).item()], [expected.reduce(0, +)])
        expectClose([binaryCrossEntropy(probabilities, targets).item()], [expected.reduce(0, +) / 4])
    }

    @Test func binaryCrossEntropyClampsLogarithmsAtMinus100() {
        // p = 0 with t = 1 and p = 1 with t = 0 give −log 0 = ∞ unclamped; PyTorch clamps to 100.
        var p = Tensor([0, 1, 0, 1])
        p.requiresGrad = true
        let t = Tensor([1, 0, 0, 1])
        let losses = binaryCrossEntropy(p, t, reduction: .none)
        #expect(losses.scalars == [100, 100, 0, 0])
        losses.sum().backward()
        // PyTorch's gradient (p − t) / max(p(1 − p), 1e-12) stays finite: ∓1e12 at the ends.
        let gradient = p.grad!.scalars
        #expect(gradient.allSatisfy { $0.isFinite }, "\(gradient)")
        expectClose(gradient.map { $0 / 1e12 }, [-1, 1, 0, 0], tolerance: 1e-6)
    }

    @Test func logitsVariantEqualsSigmoidThenBCEAndIsStable() {
        let logits = Tensor([-3, -0.5, 0, 0.5, 3])
        let t = Tensor([0, 1, 0.5, 1, 0])
        expectClose(
            binaryCrossEntropyWithLogits(logits, t, reduction: .none).scalars,
            binaryCrossEntropy(logits.sigmoid(), t, reduction: .none).scalars, tolerance: 1e-5)
        // Large logits: −log σ(−200) = 200 exactly in the stable form (the probability form clamps at 100).
        let extreme = binaryCrossEntropyWithLogits(Tensor([200, -200]), Tensor([0, 1]), reduction: .none).scalars
        expectClose(extreme, [200, 200], tolerance: 1e-3)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let generator = RandomGenerator(seed: 31)
        let x = Tensor.rand([3, 4], low: -1, high: 1, generator: generator)
        let y = Tensor.rand([3, 4], low: -1, high: 1, generator: generator)
        let probabilities = Tensor.rand([3, 4], low: 0.1, high: 0.9, generator: generator)
        let targets = Tensor.rand([3, 4], generator: generator)
        for reduction in Reduction.allCases {
            let mse = checkGradients(at: [x, y], names: ["input", "target"]) { mseLoss($0[0], $0[1], reduction: reduction) }
            #expect(mse.passed, "mse \(reduction): \(mse)")
            let bce = checkGradients(at: [probabilities, targets], names: ["p", "t"]) {
                binaryCrossEntropy($0[0], $0[1], reduction: reduction)
            }
            #expect(bce.passed, "bce \(reduction): \(bce)")
            let logits = checkGradients(at: [x, targets], names: ["logits", "t"]) {
                binaryCrossEntropyWithLogits($0[0], $0[1], reduction: reduction)
            }
            #expect(logits.passed, "bce with logits \(reduction): \(logits)")
        }
    }

    @Test func mismatchedShapesAreReportedWithBothShapes() {
        let error = tensorError { _ = mseLoss(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])) }
        #expect(error?.op == "mseLoss")
        #expect(error?.message.contains("[2, 3]") == true && error?.message.contains("[3, 2]") == true)
        #expect(tensorError { _ = binaryCrossEntropy(Tensor.zeros([2]), Tensor.zeros([3])) }?.op == "binaryCrossEntropy")
    }
}
