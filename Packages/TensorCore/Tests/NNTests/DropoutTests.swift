import Testing
import TensorCore
import NN

@Suite struct DropoutTests {
    @Test func evalModeAndZeroProbabilityAreTheIdentity() {
        let x = Tensor.rand([100], generator: RandomGenerator(seed: 1))
        let dropout = Dropout(probability: 0.5)
        dropout.eval()
        #expect(dropout(x).scalars == x.scalars)
        #expect(Dropout(probability: 0)(x).scalars == x.scalars)
    }

    @Test func trainingZeroesAboutPAndScalesTheRest() {
        // n = 100,000 draws with keep probability 0.7: the number dropped has standard deviation
        // √(n·p·(1−p)) ≈ 145; allow 5 of them (≈ 725).
        let n = 100_000, p: Float = 0.3
        let x = Tensor.full([n], value: 2)
        let y = Dropout(probability: p, generator: RandomGenerator(seed: 7))(x).scalars
        let dropped = y.filter { $0 == 0 }.count
        let expectedDropped = Double(n) * Double(p)
        #expect(Swift.abs(Double(dropped) - expectedDropped) <= 5 * (expectedDropped * (1 - Double(p))).squareRoot())
        let kept = y.filter { $0 != 0 }
        #expect(kept.allSatisfy { Swift.abs($0 - 2 / (1 - p)) <= 1e-6 }, "kept values are scaled by 1/(1−p)")
    }

    @Test func masksComeFromTheGeneratorAndGradientsFollowThem() {
        let x = Tensor.full([64], value: 1)
        let a = Dropout(probability: 0.5, generator: RandomGenerator(seed: 9))(x).scalars
        let b = Dropout(probability: 0.5, generator: RandomGenerator(seed: 9))(x).scalars
        let generator = RandomGenerator(seed: 10)
        let dropout = Dropout(probability: 0.5, generator: generator)
        let first = dropout(x).scalars
        let second = dropout(x).scalars
        #expect(a == b, "the same seed gives the same mask")
        #expect(first != second, "successive calls draw new masks")

        var input = Tensor.full([64], value: 3)
        input.requiresGrad = true
        let output = Dropout(probability: 0.25, generator: RandomGenerator(seed: 11))(input)
        output.sum().backward()
        // y = x · m / (1 − p), so dy/dx = m / (1 − p) = y / x.
        expectClose(input.grad!.scalars, output.scalars.map { $0 / 3 })
    }

    @Test func probabilityOneDropsEverythingAndBadProbabilitiesAreReported() {
        #expect(Dropout(probability: 1)(Tensor.full([5], value: 4)).scalars == [0, 0, 0, 0, 0])
        #expect(tensorError { _ = Dropout(probability: 1.5) }?.op == "Dropout")
        #expect(tensorError { _ = Dropout(probability: -0.1) } != nil)
    }
}
