import NN
import Optim
import Testing
import TensorCore

// DeepTrust against PyTorch over the public op surface (PyTorch's OpInfo tests are the model):
// every generated case of Fixtures/ (see Tools/fixtures/make_differential_fixtures.py) runs on
// every kernel path this CPU has and at 1 and 3 threads, inside a checking scope, and its output
// and gradients are compared with PyTorch's float64 answers.
//
// Tolerance: |got − expected| ≤ 1e-5·√K + 1e-4·|expected|, K being the longest sum behind any
// value of the case (the generator records it). The relative part covers the kernels' few-ulp
// approximations (exp, tanh, sigmoid) and float32 rounding of each step; the absolute part the
// rounding of a K-term float32 sum of O(1) terms, which grows like √K when the errors are random.
// NaN must match NaN, and an infinity (or a value beyond the float32 range) the same infinity.

/// One kernel configuration: instruction set and thread count.
struct KernelConfiguration: Sendable, CustomStringConvertible {
    let instructionSet: CPUInstructionSet
    let threads: Int
    var description: String { "\(instructionSet), \(threads) thread\(threads == 1 ? "" : "s")" }

    static let all = CPUBackend.supportedInstructionSets.flatMap { set in
        [1, 3].map { KernelConfiguration(instructionSet: set, threads: $0) }
    }
}

/// The first element of `got` outside the tolerance of `expected`, described, or `nil`.
func mismatch(_ got: Tensor, _ expected: FixtureTensor, reductionLength: Int) -> String? {
    guard got.shape == expected.shape else { return "shape \(got.shape), expected \(expected.shape)" }
    let values = got.scalars
    let absolute = 1e-5 * Double(reductionLength).squareRoot()
    let stored = stride(from: 0, to: values.count, by: expected.step).map { values[$0] }
    guard stored.count == expected.values.count else {
        return "\(stored.count) values to compare, expected \(expected.values.count)"
    }
    for (j, (g, value)) in zip(stored, expected.values).enumerated() {
        guard let e = value else { continue }
        let i = j * expected.step
        let ok: Bool
        if e.isNaN {
            ok = g.isNaN
        } else if Float(e).isInfinite {
            ok = g == Float(e)
        } else {
            ok = Swift.abs(Double(g) - e) <= absolute + 1e-4 * Swift.abs(e)
        }
        if !ok { return "element \(i) is \(g), expected \(e)" }
    }
    return nil
}

/// The upstream gradient of a case: up[i] = ((7 i) mod 11 − 5) / 4 over the flattened output.
func upstream(like output: Tensor) -> Tensor {
    Tensor(shape: output.shape, scalars: (0..<output.count).map { Float((7 * $0) % 11 - 5) / 4 })
}

/// `tensor` with the fixture's views applied in order.
func applyViews(_ views: [[JSONValue]], to tensor: Tensor) -> Tensor {
    views.reduce(tensor) { t, view in
        let n = view.dropFirst().map { $0.double.map { Int($0) } ?? 0 }
        switch view.first {
        case .string("t"): return t.transposed(n[0], n[1])
        case .string("s"): return t.sliced(axis: n[0], start: n[1], end: n[2], step: n[3])
        case .string("e"): return t.expanded(to: view[1].ints ?? [])
        case .string("p"): return t.permuted(view[1].ints ?? [])
        default: return t
        }
    }
}

/// Runs `testCase` (not an optimizer case) and returns the problems found, if any. A case that
/// PyTorch rejects must throw a ``TensorError`` in the checking scope, and nothing else.
func check(_ testCase: FixtureCase) throws -> [String] {
    guard let function = opTable[testCase.op] else { return ["no op named \(testCase.op)"] }
    if testCase.expectsError {
        do {
            let output = try withTensorChecking {
                let inputs = testCase.inputs.map { input in
                    applyViews(
                        input.views,
                        to: Tensor(shape: input.tensor.shape, scalars: input.tensor.floats))
                }
                return function(inputs, testCase.arguments).output
            }
            return ["PyTorch rejects this input, DeepTrust gave a result of shape \(output.shape)"]
        } catch is TensorError {
            return []
        }
    }
    let leaves = testCase.inputs.map { input -> Tensor in
        var leaf = Tensor(shape: input.tensor.shape, scalars: input.tensor.floats)
        leaf.requiresGrad = input.requiresGradient
        return leaf
    }
    let (result, gradients) = try withTensorChecking { () -> (OpResult, [Tensor?]) in
        let viewed = zip(leaves, testCase.inputs).map { applyViews($1.views, to: $0) }
        let result = function(viewed, testCase.arguments)
        if result.output.gradientOp != nil || result.output.requiresGrad {
            (result.output * upstream(like: result.output)).sum().backward()
        }
        let gradients = leaves.indices.map { i in result.parameters[i]?.grad ?? leaves[i].grad }
        return (result, gradients)
    }
    var problems: [String] = []
    if let problem = mismatch(result.output, testCase.output, reductionLength: testCase.reductionLength) {
        problems.append("output: \(problem)")
    }
    for (i, expected) in testCase.gradients.enumerated() {
        guard let expected else { continue }
        guard let gradient = gradients[i] else {
            // PyTorch's zero gradient where no path reaches the input (for example an empty output).
            if expected.values.contains(where: { $0.map { $0 != 0 } ?? false }) {
                problems.append("gradient \(i): none computed")
            }
            continue
        }
        if let problem = mismatch(gradient, expected, reductionLength: testCase.reductionLength) {
            problems.append("gradient \(i): \(problem)")
        }
    }
    return problems
}

/// Runs an optimizer case: the steps with the given gradients, the state saved after
/// `restoreAfter` steps and loaded into a new optimizer, and the parameter after every step.
func checkOptimizer(_ testCase: FixtureCase) throws -> [String] {
    let initial = testCase.inputs[0].tensor
    let parameter = Parameter(Tensor(shape: initial.shape, scalars: initial.floats))
    var optimizer = try makeOptimizer(testCase.op, testCase.arguments, parameter)
    var after: [Tensor] = []
    for (step, input) in testCase.inputs.dropFirst().enumerated() {
        parameter.grad = Tensor(shape: input.tensor.shape, scalars: input.tensor.floats)
        try optimizer.step()
        if step + 1 == testCase.restoreAfter {
            let saved = optimizer.state()
            optimizer = try makeOptimizer(testCase.op, testCase.arguments, parameter)
            try optimizer.load(state: saved)
        }
        after.append(parameter.value.unsqueezed(axis: 0))
    }
    let trajectory = Tensor.concatenated(after)
    return mismatch(trajectory, testCase.output, reductionLength: testCase.reductionLength).map { ["parameters: \($0)"] }
        ?? []
}

@Suite struct DifferentialTests {
    @Test(arguments: Fixtures.families, KernelConfiguration.all)
    func agreesWithPyTorch(family: String, configuration: KernelConfiguration) throws {
        let cases = try #require(try Fixtures.cases[family]?.get(), "no fixture for \(family)")
        #expect(!cases.isEmpty)
        CPUBackend.withKernelSettings(instructionSet: configuration.instructionSet, threads: configuration.threads) {
            for testCase in cases {
                do {
                    let problems = try family == "optim" ? checkOptimizer(testCase) : check(testCase)
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
        let count = try Fixtures.families.reduce(0) { $0 + (try Fixtures.cases[$1]?.get().count ?? 0) }
        #expect(count >= 500, "\(count) cases")
    }
}
