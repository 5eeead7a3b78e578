import CTensorKernels

// Random fills on the CPU (C kernels in random_fill.c, split across the worker pool). Every
// element is computed independently of how the range is split, so results are identical for any
// thread count. Nothing is written into a buffer that could not be allocated.
extension CPUBackend {
    public func fillRandom(
        _ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution,
        key: PhiloxKey, counter: UInt64
    ) {
        guard !cpu(buffer).allocationFailed else { return }
        let out = cpu(buffer).pointer
        switch distribution {
        case .uniform(let low, let high):
            dt_fill_uniform(out, count, key.seed, key.stream, counter, low, high)
        case .normal(let mean, let std):
            dt_fill_normal(out, count, key.seed, key.stream, counter, mean, std)
        }
    }
}
