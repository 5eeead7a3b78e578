import NN
import Optim
import Testing
import TensorCore

/// PyTorch's SGD written out in Float64 (torch/optim/sgd.py, `_single_tensor_sgd`).
struct SGDReference {
    var lr: Double, momentum = 0.0, dampening = 0.0, weightDecay = 0.0, nesterov = false
    var p: [Double], buffer: [Double]? = nil

    mutating func step(_ grad: [Float]) {
        var d = zip(grad, p).map { Double($0) + weightDecay * $1 }
        if momentum != 0 {
            if let b = buffer {
                buffer = zip(b, d).map { momentum * $0 + (1 - dampening) * $1 }
            } else {
                buffer = d
            }
            d = nesterov ? zip(d, buffer!).map { $0 + momentum * $1 } : buffer!
        }
        p = zip(p, d).map { $0 - lr * $1 }
    }
}

@Suite struct SGDTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool
        var testDescription: String { "μ \(momentum) τ \(dampening) λ \(weightDecay)\(nesterov ? " nesterov" : "")" }
    }

    static let cases = [
        Case(momentum: 0, dampening: 0, weightDecay: 0, nesterov: false),
        Case(momentum: 0, dampening: 0, weightDecay: 0.05, nesterov: false),
        Case(momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false),
        Case(momentum: 0.9, dampening: 0.25, weightDecay: 0.05, nesterov: false),
        Case(momentum: 0.8, dampening: 0, weightDecay: 0.01, nesterov: true),
    ]

    @Test(arguments: cases)
    func matchesPyTorchOverSeveralSteps(_ c: Case) throws {
        let parameter = Parameter(Tensor(initialValues))
        let optimizer = try SGD(
            [(name: "w", parameter: parameter)], learningRate: 0.1, momentum: Float(c.momentum),
            dampening: Float(c.dampening), weightDecay: Float(c.weightDecay), nesterov: c.nesterov)
        var reference = SGDReference(
            lr: 0.1, momentum: c.momentum, dampening: c.dampening,
            weightDecay: c.weightDecay, nesterov: c.nesterov, p: initialValues.map(Double.init))
        for (step, grad) in gradientSteps.enumerated() {
            parameter.grad = Tensor(grad)
            try optimizer.step()
            reference.step(grad)
            // Updates cancel (e.g. 1e-4 − 0.1·(0.25 + 0.5 − 0.75)): intermediates are ~0.1 in size.
            expectClose(parameter.value.scalars, reference.p, floor: 0.1, "step \(step + 1)")
        }
        let buffer = optimizer.state().tensors["w.momentum_buffer"]
        #expect((buffer == nil) == (c.momentum == 0))
        if let buffer { expectClose(buffer.scalars, reference.buffer!, floor: 1, "momentum buffer") }
    }

    @Test func updatesInPlace() throws {
        let parameter = Parameter(Tensor.rand([100], generator: RandomGenerator(seed: 1)))
        let optimizer = try SGD([(name: "w", parameter: parameter)], learningRate: 0.1, momentum: 0.9)
        parameter.grad = Tensor.ones([100])
        try optimizer.step()
        let storage = ObjectIdentifier(parameter.value.storage)
        try optimizer.step()
        #expect(ObjectIdentifier(parameter.value.storage) == storage)
    }

    @Test func rejectsBadSettings() {
        let named = [(name: "w", parameter: Parameter(Tensor([1])))]
        #expect(throws: OptimizerError.self) { try SGD(named, learningRate: -0.1) }
        #expect(throws: OptimizerError.self) { try SGD(named, learningRate: 0.1, momentum: -1) }
        #expect(throws: OptimizerError.self) { try SGD(named, learningRate: 0.1, dampening: 2) }
        #expect(throws: OptimizerError.self) { try SGD(named, learningRate: 0.1, nesterov: true) }
        #expect(throws: OptimizerError.self) { try SGD(named, learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) }
    }
}
