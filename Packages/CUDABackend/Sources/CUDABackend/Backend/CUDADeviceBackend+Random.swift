import TensorCore

extension CUDADeviceBackend {
    public func fillRandom(
        _ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution,
        key: PhiloxKey, counter: UInt64
    ) {
        guard count > 0 else { return }
        guard begin("fillRandom") else { return }
        let target = cuda(buffer)
        let (code, a, b): (UInt32, Float, Float)
        switch distribution {
        case .uniform(let low, let high): (code, a, b) = (KernelConstant.randomUniform, low, high)
        case .normal(let mean, let std): (code, a, b) = (KernelConstant.randomNormal, mean, std)
        }
        // Chunks of whole Philox blocks (4 elements), each starting at its own block counter.
        let chunk = Self.maxLaunchElements / 4 * 4
        for start in stride(from: 0, to: count, by: chunk) {
            let n = min(chunk, count - start)
            let (grid, block) = LaunchConfiguration.linear(items: (n + 3) / 4)
            launch(
                Kernels.philoxFill, grid: grid, block: block,
                [
                    .pointer(target.address(at: start)), .count(n), .u64(key.seed), .u64(key.stream),
                    .u64(counter &+ UInt64(start / 4)), .u32(code), .f32(a), .f32(b),
                ])
        }
    }
}
