import Testing
import TestKit

@Suite("Finite-difference gradient check")
struct ExpectGradientsMatchTests {
    /// `x²` with a deliberately wrong gradient rule (`g·x` instead of `2·g·x`).
    static func brokenSquare(_ x: Tensor) -> Tensor {
        let value = x.detached()
        return Tensor.recorded(value * value, op: "brokenSquare", inputs: [x]) { g in [g * value] }
    }

    static let point = Tensor(shape: [2, 3], scalars: [0.5, -1, 1.5, 2, -0.25, 0.75])

    @Test("correct gradients pass")
    func correct() throws {
        let result = try expectGradientsMatch(at: [Self.point], names: ["x"]) { ($0[0] * $0[0]).tanh() }
        #expect(result.checkedElements == 6)
    }

    @Test("a wrong gradient rule fails, naming the input and the element")
    func wrongRule() throws {
        let failure = try #require(throws: CheckFailure.self) {
            try expectGradientsMatch(at: [Self.point], names: ["x"]) { Self.brokenSquare($0[0]) }
        }
        #expect(failure.location.parameter == "x")
        #expect(failure.location.shape == [2, 3])
        #expect(failure.location.element != nil)
        #expect(failure.message.contains("6 of 6 elements"))
    }

    @Test("a shape error inside the function fails with the tensor error")
    func shapeError() throws {
        let failure = try #require(throws: CheckFailure.self) {
            try expectGradientsMatch(at: [Self.point]) { $0[0] + Tensor([1, 2]) }
        }
        #expect(failure.message.contains("cannot be broadcast"))
    }
}
