import NN
import Optim
import Testing
import TensorCore

/// PyTorch's Adam/AdamW update written out in Float64 (torch/optim/adam.py, `_single_tensor_adam`,
/// amsgrad off): the reference the Float32 kernel must match.
struct AdamReference {
    var lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.0
    var decoupled = false
    var p: [Double], m: [Double], v: [Double], t = 0

    init(p: [Float]) {
        self.p = p.map(Double.init)
        m = Array(repeating: 0, count: p.count)
        v = m
    }

    mutating func step(_ grad: [Float]) {
        t += 1
        for i in p.indices {
            var g = Double(grad[i])
            if decoupled { p[i] *= 1 - lr * weightDecay } else { g += weightDecay * p[i] }
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            let biasCorrection1 = 1 - pow(beta1, Double(t)), biasCorrection2 = 1 - pow(beta2, Double(t))
            let denominator = (v[i].squareRoot() / biasCorrection2.squareRoot()) + eps
            p[i] -= lr / biasCorrection1 * m[i] / denominator
        }
    }
}

private func pow(_ x: Double, _ n: Double) -> Double { (0..<Int(n)).reduce(1.0) { acc, _ in acc * x } }

/// |a − b| ≤ tolerance · max(|b|, floor) for every element.
func expectClose(
    _ actual: [Float], _ expected: [Double], relative tolerance: Double = 2e-6, floor: Double = 1e-6,
    _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        #expect(
            abs(Double(a) - e) <= tolerance * max(abs(e), floor), "\(comment) element \(i): \(a) vs \(e)",
            sourceLocation: sourceLocation)
    }
}

/// Gradients for a few steps: mixed signs and magnitudes, zeros (v = 0 ⇒ the ε path), a sign flip.
let initialValues: [Float] = [0.5, -1.25, 2.0, 0.0, -0.003, 7.5, 1e-4]
let gradientSteps: [[Float]] = [
    [0.1, -0.2, 3.0, 0.0, 1e-3, -5.0, 0.25],
    [-0.3, -0.1, 2.5, 0.0, -2e-3, 4.0, 0.5],
    [0.05, 0.4, -1.0, 0.0, 1e-3, -0.5, -0.75],
    [1.5, 0.0, 0.2, 0.0, 3e-3, 0.1, 0.0],
]

@Suite struct AdamTests {
    @Test(arguments: [(0.0, false), (0.1, false), (0.1, true)])
    func matchesPyTorchOverSeveralSteps(weightDecay: Double, decoupled: Bool) throws {
        let parameter = Parameter(Tensor(initialValues))
        let optimizer = try Adam(
            [(name: "w", parameter: parameter)], learningRate: 0.01,
            weightDecay: Float(weightDecay), decoupledWeightDecay: decoupled)
        var reference = AdamReference(p: initialValues)
        reference.lr = 0.01
        reference.weightDecay = weightDecay
        reference.decoupled = decoupled
        for (step, grad) in gradientSteps.enumerated() {
            parameter.grad = Tensor(grad)
            try optimizer.step()
            reference.step(grad)
            // Intermediates are of the size of lr: absolute error allowed at that scale.
            expectClose(
                parameter.value.scalars, reference.p, floor: 0.01, "step \(step + 1), wd \(weightDecay), decoupled \(decoupled)")
        }
        let state = optimizer.state()
        expectClose(state.tensors["w.exp_avg"]!.scalars, reference.m, floor: 1e-3, "first moment")
        expectClose(state.tensors["w.exp_avg_sq"]!.scalars, reference.v, floor: 1e-12, "second moment")
        #expect(state.tensors["w.step"]!.item() == 4)
        #expect(optimizer.stepCount == 4)
    }

    @Test func firstStepMovesEachElementByTheLearningRate() throws {
        // Bias correction makes the first update lr · g / (|g| + ε): ±lr wherever |g| ≫ ε.
        let parameter = Parameter(Tensor([1, 1, 1]))
        let optimizer = try Adam([(name: "w", parameter: parameter)], learningRate: 0.5)
        parameter.grad = Tensor([3, -1, 0])
        try optimizer.step()
        expectClose(parameter.value.scalars, [0.5, 1.5, 1], relative: 1e-6)
    }

    @Test func updatesInPlaceAndKeepsTheLeaf() throws {
        let parameter = Parameter(Tensor.rand([1000], generator: RandomGenerator(seed: 3)))
        let optimizer = try Adam([(name: "w", parameter: parameter)])
        parameter.grad = Tensor.randn([1000], generator: RandomGenerator(seed: 4))
        try optimizer.step()  // allocates the moments
        let storage = ObjectIdentifier(parameter.value.storage)
        parameter.grad = Tensor.randn([1000], generator: RandomGenerator(seed: 5))
        try optimizer.step()
        #expect(ObjectIdentifier(parameter.value.storage) == storage)
        #expect(parameter.value.requiresGrad && parameter.value.isLeaf)
    }

    @Test func copyOnWriteProtectsOtherHoldersOfTheValue() throws {
        let parameter = Parameter(Tensor([1, 2]))
        let snapshot = parameter.value
        let optimizer = try Adam([(name: "w", parameter: parameter)], learningRate: 0.1)
        parameter.grad = Tensor([1, 1])
        try optimizer.step()
        #expect(snapshot.scalars == [1, 2])
        #expect(parameter.value.scalars != [1, 2])
    }

    @Test func parametersWithoutGradientAreSkipped() throws {
        let a = Parameter(Tensor([1, 2])), b = Parameter(Tensor([3]))
        let optimizer = try Adam([(name: "a", parameter: a), (name: "b", parameter: b)], learningRate: 0.1)
        a.grad = Tensor([1, 1])
        try optimizer.step()
        #expect(b.value.scalars == [3])
        let state = optimizer.state()
        #expect(state.tensors["a.step"]!.item() == 1 && state.tensors["b.step"]!.item() == 0)
        #expect(state.tensors["b.exp_avg"] == nil)
        optimizer.zeroGrad()
        #expect(a.grad == nil)
    }

    @Test func learningRateChangesTakeEffect() throws {
        let parameter = Parameter(Tensor([0]))
        let optimizer = try Adam([(name: "w", parameter: parameter)], learningRate: 0.1)
        optimizer.learningRate = 0.25
        parameter.grad = Tensor([2])
        try optimizer.step()
        expectClose(parameter.value.scalars, [-0.25], relative: 1e-6)
    }

    @Test func rejectsBadSettingsAndInputs() throws {
        let parameter = Parameter(Tensor([1]))
        let named = [(name: "w", parameter: parameter)]
        #expect(throws: OptimizerError.self) { try Adam(named, learningRate: -1) }
        #expect(throws: OptimizerError.self) { try Adam(named, beta1: 1) }
        #expect(throws: OptimizerError.self) { try Adam(named, beta2: -0.1) }
        #expect(throws: OptimizerError.self) { try Adam(named, epsilon: .nan) }
        #expect(throws: OptimizerError.duplicateParameter("w")) {
            try Adam([(name: "w", parameter: parameter), (name: "w", parameter: Parameter(Tensor([2])))])
        }
        #expect(throws: OptimizerError.duplicateParameter("v")) {
            try Adam([(name: "w", parameter: parameter), (name: "v", parameter: parameter)])
        }
        let optimizer = try Adam(named)
        parameter.grad = Tensor([1, 2])
        #expect(throws: OptimizerError.gradientShapeMismatch(parameter: "w", parameterShape: [1], gradientShape: [2])) {
            try optimizer.step()
        }
        #expect(parameter.value.scalars == [1])
    }
}
