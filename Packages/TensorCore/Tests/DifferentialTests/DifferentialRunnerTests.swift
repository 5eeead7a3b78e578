import Testing
import TensorCore
import TensorCoreTesting

/// The harness itself: it reports what disagrees with the fixture, and it keeps a case on the
/// device it is given (what CUDABackend's tests rely on).
@Suite struct DifferentialRunnerTests {
    /// A case of `exp` over `[0, 1]` with the given expected output and gradient.
    private func expCase(output: [Double], gradient: [Double]) throws -> DifferentialCase {
        func tensor(_ values: [Double]) -> DifferentialJSON {
            .object(["shape": .array([.number(Double(values.count))]), "data": .array(values.map { .number($0) })])
        }
        var input = [String: DifferentialJSON]()
        if case .object(let fields) = tensor([0, 1]) { input = fields }
        input["grad"] = .bool(true)
        let json = DifferentialJSON.object([
            "id": .string("exp/doctored"), "op": .string("exp"), "args": .object([:]),
            "inputs": .array([.object(input)]), "out": tensor(output), "grads": .array([tensor(gradient)]),
        ])
        return try #require(DifferentialCase(json, family: "elementwise"))
    }

    @Test func anAgreeingCaseHasNoProblems() throws {
        // Upstream gradient [-5/4, 2/4]: d/dx sum(exp(x) · up) = exp(x) · up.
        let e = 2.718_281_828_459_045
        let testCase = try expCase(output: [1, e], gradient: [-1.25, 0.5 * e])
        #expect(try DifferentialRunner().problems(in: testCase) == [])
    }

    @Test func outputAndGradientMismatchesAreNamed() throws {
        let testCase = try expCase(output: [1, 3], gradient: [-1.25, 0])
        let problems = try DifferentialRunner().problems(in: testCase)
        #expect(problems.count == 2)
        #expect(problems.first?.hasPrefix("output: element 1 is 2.71828") == true, "\(problems)")
        #expect(problems.last?.hasPrefix("gradient 0: element 1 is 1.35914") == true, "\(problems)")
    }

    @Test func theToleranceGrowsWithTheSumLength() {
        #expect(DifferentialTolerance.accepts(1.0001, 1, reductionLength: 1))
        #expect(!DifferentialTolerance.accepts(1.0002, 1, reductionLength: 1))
        #expect(DifferentialTolerance.accepts(0.0009, 0, reductionLength: 10_000))
        #expect(!DifferentialTolerance.accepts(0.0011, 0, reductionLength: 10_000))
        #expect(!DifferentialTolerance.accepts(0, .nan, reductionLength: 1))
        #expect(!DifferentialTolerance.accepts(.greatestFiniteMagnitude, .infinity, reductionLength: 1))
        #expect(DifferentialTolerance.accepts(.infinity, 1e39, reductionLength: 1))
    }

    /// Every case on a second device served by the CPU: a result (or a tensor an op makes itself)
    /// left on the CPU would fail the case, as would a mixed-device operation.
    @Test(arguments: DifferentialFixtures.families)
    func everyCaseRunsOnTheDeviceItIsGiven(family: String) throws {
        let cases = try #require(try Fixtures.cases[family]?.get(), "no fixture for \(family)")
        let runner = DifferentialRunner(backend: CPUForwardingBackend(name: "forwarded cuda:0", device: .cuda(0)))
        for testCase in cases {
            do {
                for problem in try runner.problems(in: testCase) { Issue.record("\(testCase.id) [forwarded]: \(problem)") }
            } catch {
                Issue.record("\(testCase.id) [forwarded]: \(error)")
            }
        }
    }
}
