import Testing
import TensorCore
import TensorCoreTesting

// DeepTrust against PyTorch over the public op surface (PyTorch's OpInfo tests are the model):
// every generated case of Fixtures/ (see Tools/python/fixtures/make_differential_fixtures.py) runs on
// every kernel path this CPU has and at 1 and 3 threads, and its output and gradients are compared
// with PyTorch's float64 answers. The harness (op table, tolerance rule, the run of one case) is
// TensorCoreTesting's DifferentialRunner, which CUDABackend's tests run on the emulated GPU too.

/// One kernel configuration: instruction set and thread count.
struct KernelConfiguration: Sendable, CustomStringConvertible {
    let instructionSet: CPUInstructionSet
    let threads: Int
    var description: String { "\(instructionSet), \(threads) thread\(threads == 1 ? "" : "s")" }

    static let all = CPUBackend.supportedInstructionSets.flatMap { set in
        [1, 3].map { KernelConfiguration(instructionSet: set, threads: $0) }
    }
}

@Suite struct DifferentialTests {
    @Test(arguments: DifferentialFixtures.families, KernelConfiguration.all)
    func agreesWithPyTorch(family: String, configuration: KernelConfiguration) throws {
        let cases = try #require(try Fixtures.cases[family]?.get(), "no fixture for \(family)")
        #expect(!cases.isEmpty)
        CPUBackend.withKernelSettings(instructionSet: configuration.instructionSet, threads: configuration.threads) {
            for testCase in cases {
                do {
                    let problems = try DifferentialRunner(backend: CPUBackend.shared).problems(in: testCase)
                    for problem in problems {
                        Issue.record("\(testCase.id) [\(configuration)]: \(problem)")
                    }
                } catch {
                    Issue.record("\(testCase.id) [\(configuration)]: \(error)")
                }
            }
        }
    }

    @Test func theSuiteIsLargeEnough() throws {
        let count = try DifferentialFixtures.families.reduce(0) { $0 + (try Fixtures.cases[$1]?.get().count ?? 0) }
        #expect(count >= 500, "\(count) cases")
    }
}
