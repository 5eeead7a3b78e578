import CTensorKernels

// The fused optimizer updates on the CPU (C kernels in optim.c, split across the worker pool).
// Every element is updated independently of how the range is split, so results are identical for
// any thread count. Neither touches memory when one of its buffers could not be allocated.
extension CPUBackend {
    public func adamStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
        secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters
    ) {
        guard allAllocated(parameter, gradient, firstMoment, secondMoment) else { return }
        var scalars = dt_adam_scalars(
            beta1_complement: hyper.beta1Complement,
            beta2: hyper.beta2,
            beta2_complement: hyper.beta2Complement,
            epsilon: hyper.epsilon,
            weight_decay: hyper.gradientWeightDecay,
            decay_factor: hyper.decoupledDecayFactor,
            step_size: hyper.stepSize,
            bias_correction2_sqrt: hyper.biasCorrection2Sqrt)
        dt_adam_step(
            cpu(parameter).pointer, cpu(gradient).pointer, cpu(firstMoment).pointer,
            cpu(secondMoment).pointer, count, &scalars)
    }

    public func sgdStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, momentumBuffer: (any DeviceBuffer)?,
        count: Int, hyper: SGDHyperparameters
    ) {
        guard allAllocated(parameter, gradient), !(momentumBuffer.map { cpu($0).allocationFailed } ?? false) else {
            return
        }
        var scalars = dt_sgd_scalars(
            learning_rate: hyper.learningRate, momentum: hyper.momentum,
            dampening_complement: hyper.dampeningComplement,
            weight_decay: hyper.weightDecay, nesterov: hyper.nesterov ? 1 : 0,
            first_step: hyper.firstStep ? 1 : 0)
        dt_sgd_step(cpu(parameter).pointer, cpu(gradient).pointer, momentumBuffer.map { cpu($0).pointer }, count, &scalars)
    }
}
