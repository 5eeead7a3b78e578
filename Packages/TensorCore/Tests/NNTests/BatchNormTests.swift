import Testing
import TensorCore
import NN
import TensorCoreTesting

@Suite struct BatchNormTests {
    @Test func namesMatchPyTorchAndStartAtIdentityStatistics() {
        let model = Sequential(Linear(2, 3), BatchNorm1d(3))
        #expect(
            model.stateDictKeys == [
                "0.weight", "0.bias", "1.weight", "1.bias",
                "1.running_mean", "1.running_var", "1.num_batches_tracked",
            ])
        #expect(model.namedParameters().count == 4)
        let bn = BatchNorm2d(3)
        #expect(bn.state.weight?.value.scalars == [1, 1, 1])
        #expect(bn.state.bias?.value.scalars == [0, 0, 0])
        #expect(bn.state.runningMean.value.scalars == [0, 0, 0])
        #expect(bn.state.runningVariance.value.scalars == [1, 1, 1])
        #expect(bn.state.batchesTracked.value.shape == [])
        #expect(BatchNorm1d(4, affine: false).namedParameters().isEmpty)
    }

    @Test func trainingUsesBatchStatisticsAndUpdatesRunningOnes() {
        let bn = BatchNorm1d(2)
        bn.state.weight!.value = Tensor([2, 1])
        bn.state.bias!.value = Tensor([0, 1])
        // Channel 0: 1, 2, 3, 4 (mean 2.5, biased variance 1.25, unbiased 5/3);
        // channel 1: 2, 4, 6, 8 (mean 5, biased variance 5, unbiased 20/3).
        let x = Tensor(shape: [4, 2], scalars: [1, 2, 2, 4, 3, 6, 4, 8])
        let y = bn(x)
        let eps = 1e-5
        var expected: [Float] = []
        for row in 0..<4 {
            let a = Double(row + 1), b = Double(2 * row + 2)
            expected.append(Float(2 * (a - 2.5) / (1.25 + eps).squareRoot()))
            expected.append(Float((b - 5) / (5 + eps).squareRoot() + 1))
        }
        expectClose(y.scalars, expected, tolerance: 1e-5)
        expectClose(bn.state.runningMean.value.scalars, [0.25, 0.5])
        expectClose(bn.state.runningVariance.value.scalars, [Float(0.9 + 0.1 * 5.0 / 3), Float(0.9 + 0.1 * 20.0 / 3)])
        #expect(bn.state.batchesTracked.value.item() == 1)
        _ = bn(x)
        expectClose(bn.state.runningMean.value.scalars, [Float(0.9 * 0.25 + 0.25), Float(0.9 * 0.5 + 0.5)])
        #expect(bn.state.batchesTracked.value.item() == 2)
    }

    @Test func evalUsesRunningStatisticsAndLeavesThemAlone() {
        let bn = BatchNorm2d(1)
        bn.state.runningMean.value = Tensor([2])
        bn.state.runningVariance.value = Tensor([4])
        bn.eval()
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [0, 2, 4, 6])
        let scale = Float(1 / (4 + 1e-5).squareRoot())
        expectClose(bn(x).scalars, [-2 * scale, 0, 2 * scale, 4 * scale])
        #expect(bn.state.runningMean.value.scalars == [2])
        #expect(bn.state.batchesTracked.value.item() == 0)
    }

    @Test func batchNorm2dAveragesOverBatchAndSpace() {
        let bn = BatchNorm2d(2, momentum: nil)
        // Channel 0 holds 0…7 over batch 2 × 2×2 positions, channel 1 holds 10 everywhere.
        var values: [Float] = []
        for n in 0..<2 { values += (0..<4).map { Float(4 * n + $0) } + [10, 10, 10, 10] }
        let y = bn(Tensor(shape: [2, 2, 2, 2], scalars: values))
        let std0 = (5.25 + 1e-5).squareRoot()  // biased variance of 0…7 is 5.25
        let channel0 = (0..<8).map { Float((Double($0) - 3.5) / std0) }
        let output = y.scalars
        expectClose(Array(output[0..<4]) + Array(output[8..<12]), channel0)
        expectClose(Array(output[4..<8]) + Array(output[12..<16]), [Float](repeating: 0, count: 8))
        // momentum nil: cumulative average, so after one batch the running values are the batch's.
        expectClose(bn.state.runningMean.value.scalars, [3.5, 10])
        expectClose(bn.state.runningVariance.value.scalars, [6, 0])  // unbiased: 5.25 · 8/7
    }

    @Test func misuseIsReported() {
        #expect(tensorError { _ = BatchNorm2d(3)(Tensor.zeros([2, 3, 4])) }?.op == "BatchNorm2d")
        #expect(tensorError { _ = BatchNorm1d(3)(Tensor.zeros([2, 4])) }?.message.contains("[2, 4]") == true)
        let single = tensorError { _ = BatchNorm1d(3)(Tensor.zeros([1, 3])) }
        #expect(single?.message.contains("more than 1 value per channel") == true)
    }

    @Test func trainingGradientWithRespectToTheInputMatchesFiniteDifferences() {
        let generator = RandomGenerator(seed: 21)
        let x = Tensor.rand([3, 2, 2, 2], low: -1, high: 1, generator: generator)
        let bn = BatchNorm2d(2)
        bn.state.weight!.value = Tensor([0.7, 1.3])
        bn.state.bias!.value = Tensor([-0.2, 0.4])
        let result = checkGradients(at: [x], names: ["x"]) { inputs in bn(inputs[0]) }
        #expect(result.passed, "\(result)")
    }

    @Test func parameterGradientsAreSumsOverBatchAndSpace() {
        let generator = RandomGenerator(seed: 22)
        let x = Tensor.rand([2, 2, 3, 1], low: -1, high: 1, generator: generator)
        let upstream = Tensor.rand([2, 2, 3, 1], low: -1, high: 1, generator: generator)
        let bn = BatchNorm2d(2)
        (bn(x) * upstream).sum().backward()
        // dL/dβ_c = Σ g over (n, h, w); dL/dγ_c = Σ g · x̂ with x̂ the batch-normalised input.
        let xs = x.scalars, gs = upstream.scalars
        for c in 0..<2 {
            let indices = (0..<2).flatMap { n in (0..<3).map { n * 6 + c * 3 + $0 } }
            let values = indices.map { Double(xs[$0]) }
            let mean = values.reduce(0, +) / 6
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            let normalized = values.map { ($0 - mean) / (variance + 1e-5).squareRoot() }
            let betaGradient = indices.map { Double(gs[$0]) }.reduce(0, +)
            let gammaGradient = zip(indices, normalized).map { Double(gs[$0]) * $1 }.reduce(0, +)
            #expect(Swift.abs(Double(bn.state.bias!.grad!.scalars[c]) - betaGradient) <= 1e-5)
            #expect(Swift.abs(Double(bn.state.weight!.grad!.scalars[c]) - gammaGradient) <= 1e-4)
        }
    }
}
