import CTensorKernels

// Random fills and the fused Adam update on the CPU (C kernels in random_fill.c and optim.c, split
// across the worker pool). Every element is computed independently of how the range is split, so
// results are identical for any thread count.
extension CPUBackend {
    public func fillRandom(
        _ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution,
        key: PhiloxKey, counter: UInt64
    ) {
        let out = cpu(buffer).pointer
        switch distribution {
        case .uniform(let low, let high):
            dt_fill_uniform(out, count, key.seed, key.stream, counter, low, high)
        case .normal(let mean, let std):
            dt_fill_normal(out, count, key.seed, key.stream, counter, mean, std)
        }
    }

    public func adamStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
        secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters
    ) {
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
}
