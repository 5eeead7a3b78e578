import NN
import Optim
import TensorCore

/// Runs cases of the differential suite on one backend and compares the results with PyTorch's.
///
/// A case's inputs are made from the fixture on the CPU and copied to the backend; the op (or
/// layer, or optimizer) runs there inside a checking scope (`withTensorChecking`), the output is
/// multiplied by a fixed upstream gradient (see ``upstream(like:)``) and summed, and `backward()`
/// computes the gradients. Output and gradients are brought back to the host and compared with
/// PyTorch's float64 answers under ``DifferentialTolerance``. A case that PyTorch rejects must
/// throw a `TensorError` in the checking scope.
///
/// ```swift
/// let runner = DifferentialRunner(backend: CPUBackend.shared)
/// for problem in try runner.problems(in: testCase) { Issue.record("\(testCase.id): \(problem)") }
/// ```
///
/// The runner keeps no state between cases; what it needs of the backend is what any
/// ``Backend`` offers, so a device that is not in the ``BackendRegistry`` (an emulated one) works.
public struct DifferentialRunner: Sendable {
    /// The backend the cases run on.
    public let backend: any Backend

    /// A runner for `backend` (the CPU by default).
    public init(backend: any Backend = CPUBackend.shared) {
        self.backend = backend
    }

    /// Runs `testCase` and returns the problems found (empty when it agrees with PyTorch).
    ///
    /// Each problem names the part compared (`output`, `gradient i`, `parameters`) and the first
    /// element out of tolerance, or a result left on another device.
    ///
    /// - Throws: what the case throws other than the expected `TensorError` of a rejected input:
    ///   a `TensorError` from the checking scope for an input PyTorch accepts, or an optimizer's
    ///   error.
    public func problems(in testCase: DifferentialCase) throws -> [String] {
        if testCase.isOptimizerCase { return try optimizerProblems(testCase) }
        guard let function = opTable[testCase.op] else { return ["no op named \(testCase.op)"] }
        if testCase.expectsError {
            do {
                let output = try withTensorChecking {
                    function(testCase.inputs.map { applyViews($0.views, to: tensor($0.tensor)) }, testCase.arguments, backend)
                        .output
                }
                return ["PyTorch rejects this input, DeepTrust gave a result of shape \(output.shape)"]
            } catch is TensorError {
                return []
            }
        }
        let leaves = testCase.inputs.map { input -> Tensor in
            var leaf = tensor(input.tensor)
            leaf.requiresGrad = input.requiresGradient
            return leaf
        }
        let (result, gradients) = try withTensorChecking { () -> (OpResult, [Tensor?]) in
            let viewed = zip(leaves, testCase.inputs).map { applyViews($1.views, to: $0) }
            let result = function(viewed, testCase.arguments, self.backend)
            if result.output.gradientOp != nil || result.output.requiresGrad {
                (result.output * Self.upstream(like: result.output)).sum().backward()
            }
            let gradients = leaves.indices.map { i in result.parameters[i]?.grad ?? leaves[i].grad }
            return (result, gradients)
        }
        var problems: [String] = []
        if let problem = compare(result.output, testCase.output, testCase) {
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
            if let problem = compare(gradient, expected, testCase) {
                problems.append("gradient \(i): \(problem)")
            }
        }
        return problems
    }

    /// The upstream gradient of a case, on `output`'s device: up[i] = ((7 i) mod 11 − 5) / 4 over
    /// the flattened output.
    public static func upstream(like output: Tensor) -> Tensor {
        Tensor(
            shape: output.shape, scalars: (0..<output.count).map { Float((7 * $0) % 11 - 5) / 4 },
            backend: output.backend)
    }

    /// `values` as a contiguous tensor made on the CPU and copied to the backend.
    private func tensor(_ values: DifferentialTensor) -> Tensor {
        placed(Tensor(shape: values.shape, scalars: values.floats), on: backend)
    }

    /// The first problem of `got` against `expected`: a result on another device, or the first
    /// element out of tolerance.
    private func compare(_ got: Tensor, _ expected: DifferentialTensor, _ testCase: DifferentialCase) -> String? {
        guard got.device == backend.device else { return "on \(got.device), expected on \(backend.device)" }
        return DifferentialTolerance.mismatch(got, expected, reductionLength: testCase.reductionLength)
    }

    /// An optimizer case: the steps with the given gradients, the state saved after `restoreAfter`
    /// steps and loaded into a new optimizer, and the parameter after every step.
    private func optimizerProblems(_ testCase: DifferentialCase) throws -> [String] {
        let parameter = Parameter(tensor(testCase.inputs[0].tensor))
        var optimizer = try makeOptimizer(testCase.op, testCase.arguments, parameter)
        var after: [Tensor] = []
        for (step, input) in testCase.inputs.dropFirst().enumerated() {
            parameter.grad = tensor(input.tensor)
            try optimizer.step()
            if step + 1 == testCase.restoreAfter {
                let saved = optimizer.state()
                optimizer = try makeOptimizer(testCase.op, testCase.arguments, parameter)
                try optimizer.load(state: saved)
            }
            after.append(parameter.value.unsqueezed(axis: 0))
        }
        let trajectory = Tensor.concatenated(after)
        return compare(trajectory, testCase.output, testCase).map { ["parameters: \($0)"] } ?? []
    }
}

/// `tensor` with the fixture's views applied in order (see ``DifferentialInput/views``).
func applyViews(_ views: [[DifferentialJSON]], to tensor: Tensor) -> Tensor {
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
