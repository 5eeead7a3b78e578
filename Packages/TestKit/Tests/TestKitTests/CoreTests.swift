import Testing
import TestKit

@Suite("Check core")
struct CoreTests {
    /// A tiny check family to exercise the core without any real subject.
    struct Numbers: CheckSubject {
        var name: String { "numbers" }
        var values: [Float]
    }

    enum NumberCheck: String, Check {
        case shapeMisuse, explicitFailure, thrownError, skip, pass
        typealias Subject = Numbers
        var name: String { "numbers.\(rawValue)" }
        struct Oops: Error, CustomStringConvertible { var description: String { "oops" } }

        func evaluate(on subject: Numbers) throws -> CheckResult {
            switch self {
            case .shapeMisuse:
                // A shape error that would stop the process outside the checking scope.
                let a = Tensor(shape: [2], scalars: [1, 2]), b = Tensor(shape: [3], scalars: [1, 2, 3])
                let sum = a + b
                throw CheckFailure("this later failure is a consequence; the tensor error wins (\(sum.shape))")
            case .explicitFailure:
                throw CheckFailure(
                    "value too large", at: CheckLocation(sample: 1, parameter: "w"),
                    deviation: Deviation("value", observed: 3, limit: 2))
            case .thrownError: throw Oops()
            case .skip: return .skipped("not today")
            case .pass: return .passed("\(subject.values.count) values")
            }
        }
    }

    @Test("a tensor shape error inside a check becomes a failure with the operation's message, and the run goes on")
    func shapeMisuseIsCaught() throws {
        let failure = try #require(expectFailure(of: NumberCheck.shapeMisuse, on: Numbers(values: [])))
        #expect(failure.message.contains("add: shapes [2] and [3] cannot be broadcast together"))
        #expect(!failure.message.contains("consequence"))
        #expect(failure.check == "numbers.shapeMisuse")
    }

    @Test("a failure says what, where and by how much")
    func description() throws {
        let failure = try #require(expectFailure(of: NumberCheck.explicitFailure, on: Numbers(values: [])))
        #expect(
            failure.description == "numbers.explicitFailure: value too large [sample 1, parameter w] (value = 3.0, limit 2.0)")
    }

    @Test("an arbitrary error becomes a failure naming its type")
    func thrownError() throws {
        let failure = try #require(expectFailure(of: NumberCheck.thrownError, on: Numbers(values: [])))
        #expect(failure.message == "Oops was thrown: oops")
    }

    @Test("several failures are combined and all listed")
    func combining() throws {
        let combined = try #require(
            CheckFailure.combining([
                CheckFailure("a", at: CheckLocation(parameter: "x")),
                CheckFailure("b", at: CheckLocation(parameter: "y")),
            ]))
        #expect(combined.all.map(\.message) == ["a", "b"])
        #expect(combined.description == "2 failures:\n  - a [parameter x]\n  - b [parameter y]")
        #expect(CheckFailure.combining([]) == nil)
    }

    @Test("a suite runs every check and reports each outcome with its timing")
    func suite() {
        let reports = CheckSuite<NumberCheck>(subject: Numbers(values: [1, 2])).run()
        #expect(reports.map(\.status) == ["failed", "failed", "failed", "skipped", "passed"])
        #expect(reports.last?.message == "2 values")
        #expect(reports.allSatisfy { $0.subject == "numbers" && $0.duration >= .zero })
        #expect(reports[1].failure?.location.parameter == "w")
    }
}
