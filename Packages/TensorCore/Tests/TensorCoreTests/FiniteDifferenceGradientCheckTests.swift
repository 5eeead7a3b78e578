import Foundation
import Testing
@testable import TensorCore
import TensorCoreTesting

/// `exp` with a deliberately wrong gradient rule: the true one times `factor`, except at flat
/// position `spoiled`, where it is multiplied by `spoiledFactor`.
private func spoiledExp(_ x: Tensor, factor: Float = 1, spoiled: Int? = nil, spoiledFactor: Float = 1) -> Tensor {
    let y = x.detached().exp()
    let n = x.count
    let scale = Tensor(shape: x.shape, scalars: (0..<n).map { $0 == spoiled ? factor * spoiledFactor : factor })
    return Tensor.recorded(y, op: "spoiledExp", inputs: [x]) { g in [g * y * scale] }
}

@Suite struct FiniteDifferenceGradientCheckTests {
    @Test func correctGradientsPass() {
        let x = randomTensor([3, 4], seed: 1), w = randomTensor([4], seed: 2)
        let result = checkGradients(at: [x, w]) { ($0[0] * $0[1].sigmoid()).tanh() }
        #expect(result.passed, "\(result)")
        #expect(result.checkedElements == 16)
        #expect(result.failures == 0)
        #expect(result.worst.map { $0.ratio <= 1 } == true)
    }

    @Test func aWrongRuleIsFoundAndLocated() throws {
        let x = randomTensor([2, 3], seed: 3), y = randomTensor([5], seed: 4)
        let result = checkGradients(at: [y, x], names: ["bias", "weight"], options: GradientCheckOptions(projection: .sum)) {
            inputs in
            inputs[0].exp().sum() + spoiledExp(inputs[1], spoiled: 5, spoiledFactor: 1.5).sum()
        }
        #expect(!result.passed)
        #expect(result.failures == 1)
        let worst = try #require(result.worst)
        #expect(worst.inputIndex == 1)
        #expect(worst.inputName == "weight")
        #expect(worst.inputShape == [2, 3])
        #expect(worst.index == [1, 2])
        // With an all-ones upstream gradient the numeric value is e^x at that element and the
        // analytic one 1.5 times that.
        let expected = Foundation.exp(Double(x.scalars[5]))
        #expect(Swift.abs(worst.numeric - expected) < 1e-2 * expected)
        #expect(Swift.abs(worst.analytic - 1.5 * expected) < 1e-4 * expected)
        #expect(result.description.contains("weight [2, 3] at [1, 2]"))
    }

    @Test func randomProjectionCatchesWhatSumsHide() {
        // Identity whose rule spreads the mean of the upstream gradient: right for an all-ones
        // upstream gradient, wrong for any other.
        let x = randomTensor([6], seed: 5)
        func meanSpreading(_ inputs: [Tensor]) -> Tensor {
            let shape = inputs[0].shape
            return Tensor.recorded(inputs[0].detached() * 1, op: "meanSpreading", inputs: inputs) { g in
                [g.mean(keepingDimensions: true).expanded(to: shape)]
            }
        }
        #expect(checkGradients(at: [x], options: GradientCheckOptions(projection: .sum), meanSpreading).passed)
        #expect(!checkGradients(at: [x], meanSpreading).passed)
        #expect(!checkGradients(at: [x], options: GradientCheckOptions(projection: .random(seed: 9)), meanSpreading).passed)
    }

    @Test func missingHistoryIsCheckedAgainstZero() {
        let result = checkGradients(at: [randomTensor([3], seed: 6)], options: GradientCheckOptions(projection: .sum)) {
            $0[0].detached() * 2
        }
        #expect(!result.passed)
        #expect(result.worst?.analytic == 0)
        #expect((result.worst?.numeric ?? 0) > 1.9)
    }

    @Test func samplingLimitsTheWork() {
        let x = randomTensor([10, 10], seed: 7)
        let result = checkGradients(at: [x], options: GradientCheckOptions(maxElementsPerInput: 5)) { $0[0].sigmoid() }
        #expect(result.passed)
        #expect(result.checkedElements == 5)
        // A spoiled last element is still found: the first and last are always checked.
        let spoiled = checkGradients(at: [x], options: GradientCheckOptions(maxElementsPerInput: 3)) {
            spoiledExp($0[0] * 0.5, spoiled: 99, spoiledFactor: 2)
        }
        #expect(spoiled.failures == 1)
        #expect(spoiled.worst?.index == [9, 9])
    }

    @Test func stridedInputsAndLargeOutputsDoNotFailSpuriously() {
        // A transposed input is checked in its own shape; outputs of size 1e4 carry rounding of
        // about 1e-3 each, which the rounding allowance absorbs.
        let x = randomTensor([4, 3], seed: 8).transposed(0, 1)
        let result = checkGradients(at: [x]) { $0[0] * 1000 + 10_000 }
        #expect(result.passed, "\(result)")
        #expect(result.worst?.inputShape == [3, 4])
        // The tolerances themselves: a 1 % error in a gradient of about 1 fails.
        #expect(!checkGradients(at: [x]) { spoiledExp($0[0], factor: 1.01) }.passed)
    }
}
