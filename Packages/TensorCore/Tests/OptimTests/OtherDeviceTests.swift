import NN
import Optim
import Testing
import TensorCore

/// Optimizers on a device other than the CPU (a CPU-backed test device that fuses no SGD update):
/// Adam through the backend's `adamStep`, SGD through the protocol's default `sgdStep`, composed
/// from elementwise primitives.
/// Both must reproduce the CPU results bit for bit, and state must move between devices.
@Suite struct OtherDeviceTests {
    @Test(arguments: SGDTests.cases)
    func sgdComposedFromPrimitivesMatchesTheFusedKernel(_ c: SGDTests.Case) throws {
        let cpu = Parameter(Tensor(initialValues)), other = Parameter(onWrappedDevice(initialValues))
        #expect(other.value.device == .cuda(9))
        func make(_ p: Parameter) throws -> SGD {
            try SGD(
                [(name: "w", parameter: p)], learningRate: 0.1, momentum: Float(c.momentum),
                dampening: Float(c.dampening), weightDecay: Float(c.weightDecay), nesterov: c.nesterov)
        }
        let (fused, composed) = (try make(cpu), try make(other))
        for grad in gradientSteps {
            cpu.grad = Tensor(grad)
            other.grad = onWrappedDevice(grad)
            try fused.step()
            try composed.step()
            #expect(other.value.device == .cuda(9))
            #expect(cpu.value.scalars == other.value.scalars)
        }
        #expect(fused.state().tensors["w.momentum_buffer"]?.scalars == composed.state().tensors["w.momentum_buffer"]?.scalars)
        #expect(composed.state().tensors["w.momentum_buffer"].map { $0.device == .cuda(9) } ?? true)
    }

    @Test func adamOnAnotherDeviceMatchesTheCPU() throws {
        let cpu = Parameter(Tensor(initialValues)), other = Parameter(onWrappedDevice(initialValues))
        let a = try Adam([(name: "w", parameter: cpu)], learningRate: 0.01, weightDecay: 0.1)
        let b = try Adam([(name: "w", parameter: other)], learningRate: 0.01, weightDecay: 0.1)
        for grad in gradientSteps {
            cpu.grad = Tensor(grad)
            other.grad = onWrappedDevice(grad)
            try a.step()
            try b.step()
            #expect(cpu.value.scalars == other.value.scalars)
        }
        #expect(b.state().tensors["w.exp_avg"]!.device == .cuda(9))
    }

    @Test func stateSavedOnOneDeviceLoadsOnTheCPU() throws {
        let other = Parameter(onWrappedDevice(initialValues))
        let trained = try Adam([(name: "w", parameter: other)], learningRate: 0.01)
        for grad in gradientSteps.prefix(2) { other.grad = onWrappedDevice(grad); try trained.step() }

        let cpu = Parameter(Tensor(other.value.scalars))
        let resumed = try Adam([(name: "w", parameter: cpu)], learningRate: 0.01)
        try resumed.load(state: trained.state())
        #expect(resumed.state().tensors["w.exp_avg"]!.device == .cpu)
        for grad in gradientSteps.dropFirst(2) {
            other.grad = onWrappedDevice(grad); try trained.step()
            cpu.grad = Tensor(grad); try resumed.step()
        }
        #expect(cpu.value.scalars == other.value.scalars)
    }

    @Test func gradientOnAnotherDeviceIsRejected() throws {
        let parameter = Parameter(Tensor([1, 2]))
        let optimizer = try SGD([(name: "w", parameter: parameter)], learningRate: 0.1)
        parameter.grad = onWrappedDevice([1, 1])
        #expect(throws: OptimizerError.gradientDeviceMismatch(parameter: "w", parameterDevice: .cpu, gradientDevice: .cuda(9))) {
            try optimizer.step()
        }
        #expect(parameter.value.scalars == [1, 2])
    }
}
