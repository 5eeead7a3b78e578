import TensorCore

// The fused Adam update on the GPU (kernel `adam` in Kernels/). SGD has no kernel of its own: it
// takes the Backend protocol's default, composed from the elementwise kernels.
extension CUDADeviceBackend {
    public func adamStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
        secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters
    ) {
        guard count > 0 else { return }
        guard begin("adamStep") else { return }
        let (p, g, m, v) = (cuda(parameter), cuda(gradient), cuda(firstMoment), cuda(secondMoment))
        let block = hyper.parameterBlock
        for start in stride(from: 0, to: count, by: Self.maxLaunchElements) {
            let n = min(Self.maxLaunchElements, count - start)
            let (grid, threads) = LaunchConfiguration.linear(items: n)
            launch(
                Kernels.adam, grid: grid, block: threads,
                [
                    .block(block), .pointer(p.address(at: start)), .pointer(g.address(at: start)),
                    .pointer(m.address(at: start)), .pointer(v.address(at: start)), .count(n),
                ])
        }
    }
}
