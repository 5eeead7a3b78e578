import NN
@testable import Optim
import Testing
import TensorCore

/// The update composed from backend primitives (what non-CPU devices run) must give the fused CPU
/// kernel's results bit for bit: same operations, same order, each rounded to Float32.
@Suite struct SGDComposedPathTests {
    @Test(arguments: SGDTests.cases)
    func composedPathMatchesFusedKernel(_ c: SGDTests.Case) throws {
        let fusedParameter = Parameter(Tensor(initialValues)), composedParameter = Parameter(Tensor(initialValues))
        let fused = try SGD(anyParameters: [("w", fusedParameter)], learningRate: 0.1, momentum: Float(c.momentum),
                            dampening: Float(c.dampening), weightDecay: Float(c.weightDecay), nesterov: c.nesterov,
                            alwaysComposed: false)
        let composed = try SGD(anyParameters: [("w", composedParameter)], learningRate: 0.1, momentum: Float(c.momentum),
                               dampening: Float(c.dampening), weightDecay: Float(c.weightDecay), nesterov: c.nesterov,
                               alwaysComposed: true)
        for grad in gradientSteps {
            fusedParameter.grad = Tensor(grad)
            composedParameter.grad = Tensor(grad)
            try fused.step()
            try composed.step()
            #expect(fusedParameter.value.scalars == composedParameter.value.scalars)
        }
        #expect(fused.state().tensors["w.momentum_buffer"]?.scalars == composed.state().tensors["w.momentum_buffer"]?.scalars)
    }
}
