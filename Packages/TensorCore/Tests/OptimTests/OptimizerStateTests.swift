import NN
import Optim
import Testing
import TensorCore

/// Two parameters with gradients set from a seeded generator for `step`.
private func setGradients(_ parameters: [Parameter], step: Int) {
    for (i, parameter) in parameters.enumerated() {
        parameter.grad = Tensor.randn(parameter.value.shape, generator: RandomGenerator(seed: UInt64(100 * step + i)))
    }
}

private func makeParameters() -> [Parameter] {
    [
        Parameter(Tensor.rand([3, 4], generator: RandomGenerator(seed: 1))),
        Parameter(Tensor.rand([4], generator: RandomGenerator(seed: 2))),
    ]
}

private func named(_ parameters: [Parameter]) -> [(name: String, parameter: Parameter)] {
    [("layer.weight", parameters[0]), ("layer.bias", parameters[1])]
}

@Suite struct OptimizerStateTests {
    /// Train 2 steps, save; a fresh optimizer on copies loads the state; both take 2 more
    /// identical steps and must agree bit for bit.
    @Test(arguments: ["Adam", "SGD"])
    func saveAndRestoreResumesIdentically(kind: String) throws {
        func make(_ parameters: [Parameter]) throws -> any Optimizer {
            kind == "Adam"
                ? try Adam(named(parameters), learningRate: 0.05, weightDecay: 0.01)
                : try SGD(named(parameters), learningRate: 0.05, momentum: 0.9, weightDecay: 0.01)
        }
        let original = makeParameters()
        let first = try make(original)
        for step in 0..<2 { setGradients(original, step: step); try first.step() }
        let saved = first.state()
        #expect(saved.optimizer == kind && saved.stepCount == 2)

        let copies = original.map { Parameter(Tensor(shape: $0.value.shape, scalars: $0.value.scalars)) }
        let second = try make(copies)
        second.learningRate = 123  // restored from the state
        try second.load(state: saved)
        #expect(second.learningRate == 0.05 && second.stepCount == 2)
        for step in 2..<4 {
            setGradients(original, step: step); try first.step()
            setGradients(copies, step: step); try second.step()
        }
        for (a, b) in zip(original, copies) { #expect(a.value.scalars == b.value.scalars) }
        // The snapshot taken after step 2 was not changed by later in-place steps.
        let snapshotKey = kind == "Adam" ? "layer.bias.exp_avg" : "layer.bias.momentum_buffer"
        #expect(saved.tensors[snapshotKey]!.scalars != first.state().tensors[snapshotKey]!.scalars)
    }

    @Test func adamStateKeysAndShapes() throws {
        let parameters = makeParameters()
        let optimizer = try Adam(named(parameters))
        #expect(Set(optimizer.state().tensors.keys) == ["layer.weight.step", "layer.bias.step"])
        setGradients(parameters, step: 0)
        try optimizer.step()
        let state = optimizer.state()
        #expect(
            Set(state.tensors.keys) == [
                "layer.weight.step", "layer.weight.exp_avg", "layer.weight.exp_avg_sq",
                "layer.bias.step", "layer.bias.exp_avg", "layer.bias.exp_avg_sq",
            ])
        #expect(state.tensors["layer.weight.exp_avg"]!.shape == [3, 4])
        #expect(state.hyperparameters["lr"] == Double(Float(1e-3)) && state.hyperparameters["eps"] == Double(Float(1e-8)))
    }

    @Test func loadRejectsBadStatesAndKeepsTheOldOne() throws {
        let parameters = makeParameters()
        let optimizer = try Adam(named(parameters), learningRate: 0.5)
        setGradients(parameters, step: 0)
        try optimizer.step()
        let good = optimizer.state()

        func expectFailure(
            _ expected: OptimizerError, _ edit: (inout OptimizerState) -> Void,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            var bad = good
            edit(&bad)
            #expect(throws: expected, sourceLocation: sourceLocation) { try optimizer.load(state: bad) }
        }
        expectFailure(.missingKey("layer.bias.exp_avg_sq")) { $0.tensors["layer.bias.exp_avg_sq"] = nil }
        expectFailure(.missingKey("layer.weight.step")) { $0.tensors["layer.weight.step"] = nil }
        expectFailure(.unexpectedKey("other.weight.exp_avg")) { $0.tensors["other.weight.exp_avg"] = Tensor.zeros([1]) }
        expectFailure(.shapeMismatch(key: "layer.weight.exp_avg", expected: [3, 4], found: [4, 3])) {
            $0.tensors["layer.weight.exp_avg"] = Tensor.zeros([4, 3])
        }
        expectFailure(.invalidValue(key: "layer.bias.step", reason: "1.5 is not a step count")) {
            $0.tensors["layer.bias.step"] = Tensor(1.5)
        }
        expectFailure(.wrongOptimizer(expected: "Adam", found: "SGD")) { $0.optimizer = "SGD" }
        expectFailure(.missingKey("beta2")) { $0.hyperparameters["beta2"] = nil }
        expectFailure(.unexpectedKey("momentum")) { $0.hyperparameters["momentum"] = 0.9 }
        expectFailure(.invalidHyperparameter(name: "beta1", value: 1, requirement: "must be in [0, 1)")) {
            $0.hyperparameters["beta1"] = 1
        }
        // Nothing changed: the optimizer still holds its own state.
        #expect(optimizer.learningRate == 0.5)
        #expect(optimizer.state().tensors["layer.weight.exp_avg"]!.scalars == good.tensors["layer.weight.exp_avg"]!.scalars)
    }

    @Test func sgdRejectsUnknownAndMisshapenBuffers() throws {
        let parameters = makeParameters()
        let optimizer = try SGD(named(parameters), learningRate: 0.1, momentum: 0.5)
        setGradients(parameters, step: 0)
        try optimizer.step()
        var bad = optimizer.state()
        bad.tensors["layer.bias.momentum_buffer"] = Tensor.zeros([5])
        #expect(throws: OptimizerError.shapeMismatch(key: "layer.bias.momentum_buffer", expected: [4], found: [5])) {
            try optimizer.load(state: bad)
        }
        bad = optimizer.state()
        bad.tensors["layer.bias.exp_avg"] = Tensor.zeros([4])
        #expect(throws: OptimizerError.unexpectedKey("layer.bias.exp_avg")) { try optimizer.load(state: bad) }
    }

    @Test func errorsDescribeTheProblem() {
        let error = OptimizerError.shapeMismatch(key: "enc.0.weight.exp_avg", expected: [2, 3], found: [3, 2])
        #expect(error.description.contains("enc.0.weight.exp_avg") && error.description.contains("[3, 2]"))
    }
}
