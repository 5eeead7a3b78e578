import Foundation
import Testing
@testable import TensorCore

@Suite struct OpsElementwiseTests {
    @Test func unaryValues() {
        let x = awayFromZero([3, 5], seed: 1)
        let v = x.scalars
        let cases: [(String, Tensor, (Float) -> Float)] = [
            ("neg", -x, { -$0 }), ("exp", x.exp(), { Foundation.exp($0) }),
            ("log", x.abs().log(), { Foundation.log(Swift.abs($0)) }),
            ("sqrt", x.abs().sqrt(), { Swift.abs($0).squareRoot() }), ("abs", x.abs(), { Swift.abs($0) }),
            ("relu", x.relu(), { Swift.max($0, 0) }), ("tanh", x.tanh(), { Foundation.tanh($0) }),
            ("sigmoid", x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }),
            ("softplus", x.softplus(), { Foundation.log(1 + Foundation.exp($0)) }), ("sign", x.sign(), { $0 < 0 ? -1 : 1 }),
            ("pow 3", x.pow(3), { $0 * $0 * $0 }), ("pow -0.5", x.abs().pow(-0.5), { 1 / Swift.abs($0).squareRoot() }),
            ("clamp", x.clamped(min: -0.5, max: 1), { Swift.min(Swift.max($0, -0.5), 1) }),
            ("clamp min only", x.clamped(min: 0.3), { Swift.max($0, 0.3) }),
        ]
        for (name, result, reference) in cases {
            expectValues(result, [3, 5], v.map(reference), name)
        }
        // softplus does not overflow where log(1 + eˣ) would.
        expectValues(Tensor([-100, 100]).softplus(), [2], [0, 100], "softplus extremes")
        expectTensorFailure(op: "clamp", mentioning: ["min 2.0", "max 1.0", "[3, 5]"]) { x.clamped(min: 2, max: 1) }
    }

    @Test func unaryGradients() {
        let x = awayFromZero([3, 4], seed: 2)
        let positive = randomTensor([3, 4], seed: 3, in: 0.5, 2)
        expectGradients([x], "neg") { -$0[0] }
        expectGradients([x], "exp") { $0[0].exp() }
        expectGradients([positive], "log") { $0[0].log() }
        expectGradients([positive], "sqrt") { $0[0].sqrt() }
        expectGradients([x], "abs") { $0[0].abs() }
        expectGradients([x], "relu") { $0[0].relu() }
        expectGradients([x], "tanh") { $0[0].tanh() }
        expectGradients([x], "sigmoid") { $0[0].sigmoid() }
        expectGradients([x * 4], "softplus") { $0[0].softplus() }
        expectGradients([x], "sign") { $0[0].sign() * $0[0] }
        expectGradients([x], "pow 2") { $0[0].pow(2) }
        expectGradients([x], "pow 3") { $0[0].pow(3) }
        expectGradients([positive], "pow -1.5") { $0[0].pow(-1.5) }
        expectGradients([x], "clamp") { $0[0].clamped(min: -0.1, max: 0.1) + $0[0].clamped(min: -1.1, max: 1.3) }
        // Strided inputs: a transposed, a sliced and an expanded view.
        expectGradients([x], "exp of a transposed view") { $0[0].transposed(0, 1).exp() }
        expectGradients([x], "tanh of a sliced view") { $0[0].sliced(axis: 1, start: 1, step: 2).tanh() }
        expectGradients([randomTensor([4], seed: 4)], "sigmoid of an expanded view") { $0[0].expanded(to: [3, 4]).sigmoid() }
    }

    @Test func binaryValuesWithBroadcasting() {
        let a = randomTensor([2, 3, 4], seed: 5)
        let b = randomTensor([3, 1], seed: 6, in: 0.5, 2)
        let (av, bv) = (a.scalars, b.scalars)
        func bAt(_ i: Int) -> Float { bv[(i / 4) % 3] }
        let cases: [(String, Tensor, (Float, Float) -> Float)] = [
            ("add", a + b, +), ("sub", a - b, -), ("mul", a * b, *), ("div", a / b, /),
            ("pow", b.pow(a), { Foundation.pow($1, $0) }),
            ("maximum", Tensor.maximum(a, b), { Swift.max($0, $1) }), ("minimum", Tensor.minimum(b, a), { Swift.min($0, $1) }),
        ]
        for (name, result, reference) in cases {
            expectValues(result, [2, 3, 4], av.indices.map { reference(av[$0], bAt($0)) }, name)
        }
        expectTensorFailure(op: "add", mentioning: ["[2, 3, 4]", "[2, 3]"]) { a + Tensor.zeros([2, 3]) }
        expectTensorFailure(op: "mul", mentioning: ["cpu", "cuda:5", "[2, 3, 4]", "[1]"]) { a * onOtherDevice([1], [2]) }
    }

    @Test func scalarOperandsOnEitherSide() {
        let x = Tensor([1, -2, 4])
        expectValues(x + 1, [3], [2, -1, 5])
        expectValues(1 + x, [3], [2, -1, 5])
        expectValues(x - 1, [3], [0, -3, 3])
        expectValues(1 - x, [3], [0, 3, -3])
        expectValues(x * 3, [3], [3, -6, 12])
        expectValues(3 * x, [3], [3, -6, 12])
        expectValues(x / 2, [3], [0.5, -1, 2])
        expectValues(2 / x, [3], [2, -1, 0.5])
        var y = x
        y += 1; y *= 2; y -= x; y /= 2
        expectValues(y, [3], [1.5, 0, 3])
        let a = awayFromZero([2, 3], seed: 7)
        expectGradients([a], "scalar on either side") { (2 - $0[0]) * 3 + (1 + $0[0] / 4) * (2 / $0[0]) }
    }

    @Test func binaryGradientsWithBroadcastAndStridedInputs() {
        let a = randomTensor([2, 3, 4], seed: 8)
        let row = randomTensor([4], seed: 9)
        let column = randomTensor([3, 1], seed: 10, in: 0.5, 1.5)
        expectGradients([a, row], "add broadcast row") { $0[0] + $0[1] }
        expectGradients([a, column], "sub broadcast column") { $0[1] - $0[0] }
        expectGradients([a, column], "mul broadcast") { $0[0] * $0[1] }
        expectGradients([a, column], "div broadcast") { $0[0] / $0[1] }
        expectGradients([a], "same tensor on both sides") { $0[0] * $0[0] + $0[0] / ($0[0] * $0[0] + 1) }
        expectGradients([column, randomTensor([4], seed: 11, in: -1.5, 1.5)], "pow with tensor exponent") {
            $0[0].pow($0[1])
        }
        // maximum/minimum away from ties
        let b = randomTensor([2, 3, 4], seed: 12)
        let apart = Tensor(shape: a.shape, scalars: zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) < 0.05 ? $0 + 0.3 : $0 })
        expectGradients([apart, b], "maximum") { Tensor.maximum($0[0], $0[1]) }
        expectGradients([apart, b], "minimum") { Tensor.minimum($0[0], $0[1]) }
        // Strided operands: transposed, sliced and expanded views.
        let t = randomTensor([4, 3], seed: 13)
        expectGradients([a, t], "transposed operand") { $0[0] * $0[1].transposed(0, 1) }
        expectGradients([a, randomTensor([2, 3, 8], seed: 14)], "sliced operand") { $0[0] + $0[1].sliced(axis: 2, step: 2) * 2 }
        expectGradients([a, row], "expanded operand") { $0[0] * $0[1].expanded(to: [3, 4]) }
    }

    @Test func maximumSplitsTheGradientOnTies() {
        var a = Tensor([1, 2, 3])
        var b = Tensor([1, 5, 0])
        a.requiresGrad = true
        b.requiresGrad = true
        Tensor.maximum(a, b).sum().backward()
        #expect(a.grad?.scalars == [0.5, 0, 1])
        #expect(b.grad?.scalars == [0.5, 1, 0])
    }

    @Test func comparisonsAndWhere() {
        let a = Tensor([1, 2, 3, 4])
        let b = Tensor([4, 2, 1, 4])
        #expect((a .== b).scalars == [0, 1, 0, 1])
        #expect((a .!= b).scalars == [1, 0, 1, 0])
        #expect((a .< b).scalars == [1, 0, 0, 0])
        #expect((a .<= b).scalars == [1, 1, 0, 1])
        #expect((a .> b).scalars == [0, 0, 1, 0])
        #expect((a .>= b).scalars == [0, 1, 1, 1])
        #expect((a .> 2).scalars == [0, 0, 1, 1])
        #expect((a .>= 2).scalars == [0, 1, 1, 1])
        #expect((a .< 2).scalars == [1, 0, 0, 0])
        #expect((a .<= 2).scalars == [1, 1, 0, 0])
        #expect((a .== 2).scalars == [0, 1, 0, 0])
        #expect((a .!= 2).scalars == [1, 0, 1, 1])
        #expect((2 .< a).scalars == [0, 0, 1, 1])
        #expect((2 .>= a).scalars == [1, 1, 0, 0])
        let condition = Tensor(shape: [2, 1], scalars: [1, 0])
        expectValues(Tensor.where(condition, a, b), [2, 4], [1, 2, 3, 4, 4, 2, 1, 4])
        expectValues(Tensor.where(a .> 2, a, 0), [4], [0, 0, 3, 4])
        expectValues(Tensor.where(a .> 2, -1, b), [4], [4, 2, -1, -1])
        expectTensorFailure(op: "where", mentioning: ["[3]", "[4]"]) { Tensor.where(Tensor([1, 0, 1]), a, b) }
        expectTensorFailure(op: "less", mentioning: ["cpu", "cuda:5"]) { a .< onOtherDevice([4], [0, 0, 0, 0]) }

        let x = awayFromZero([2, 3], seed: 15), y = randomTensor([3], seed: 16)
        expectGradients([x, y], "where") { Tensor.where($0[0] .> 0, $0[0] * 2, $0[1]) }
    }
}
