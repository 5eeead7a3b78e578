import TensorCore

/// Memory of ``WrappedDeviceBackend``: a CPU buffer behind another type, so that nothing can reach
/// the CPU kernels around the backend.
final class WrappedBuffer: DeviceBuffer {
    let inner: any DeviceBuffer
    init(_ inner: any DeviceBuffer) { self.inner = inner }
    var count: Int { inner.count }
}

/// A second device for optimizer tests: `cuda:9` computed by the CPU kernels on wrapped buffers. It
/// implements no `sgdStep`, so SGD takes the protocol's composed default, as a new backend would.
/// Not registered anywhere (tensors are made on it directly), so other tests never see it.
final class WrappedDeviceBackend: Backend {
    static let shared = WrappedDeviceBackend()
    private let cpu = CPUBackend.shared
    var device: Device { .cuda(9) }
    var name: String { "wrapped test device" }

    private func u(_ buffer: any DeviceBuffer) -> any DeviceBuffer { (buffer as! WrappedBuffer).inner }

    func allocate(count: Int) -> any DeviceBuffer { WrappedBuffer(cpu.allocate(count: count)) }
    func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        cpu.upload(source, to: u(buffer), offset: offset)
    }
    func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        cpu.download(u(buffer), offset: offset, into: destination)
    }
    func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float) {
        cpu.fill(u(buffer), offset: offset, count: count, value: value)
    }
    func copy(
        _ source: any DeviceBuffer, _ sourceLayout: StridedLayout, to destination: any DeviceBuffer,
        _ destinationLayout: StridedLayout
    ) {
        cpu.copy(u(source), sourceLayout, to: u(destination), destinationLayout)
    }
    func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer) {
        cpu.unary(op, u(x), xLayout, into: u(out))
    }
    func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout, _ b: any DeviceBuffer,
        _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        cpu.binary(op, u(a), aLayout, u(b), bLayout, into: u(out))
    }
    func select(
        _ condition: any DeviceBuffer, _ conditionLayout: StridedLayout, _ a: any DeviceBuffer,
        _ aLayout: StridedLayout, _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        cpu.select(u(condition), conditionLayout, u(a), aLayout, u(b), bLayout, into: u(out))
    }
    func reduce(
        _ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner: Int,
        into out: any DeviceBuffer
    ) {
        cpu.reduce(op, u(x), offset: offset, outer: outer, extent: extent, inner: inner, into: u(out))
    }
    func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) {
        cpu.gemm(descriptor, a: u(a), b: u(b), c: u(c))
    }
    func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer
    ) {
        cpu.conv2dForward(geometry, input: u(input), weight: u(weight), into: u(output))
    }
    func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer
    ) {
        cpu.conv2dBackwardInput(geometry, gradOutput: u(gradOutput), weight: u(weight), into: u(gradInput))
    }
    func conv2dBackwardWeight(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        into gradWeight: any DeviceBuffer
    ) {
        cpu.conv2dBackwardWeight(geometry, input: u(input), gradOutput: u(gradOutput), into: u(gradWeight))
    }
    func fillRandom(
        _ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution, key: PhiloxKey,
        counter: UInt64
    ) {
        cpu.fillRandom(u(buffer), count: count, distribution: distribution, key: key, counter: counter)
    }
    func adamStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
        secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters
    ) {
        cpu.adamStep(
            parameter: u(parameter), gradient: u(gradient), firstMoment: u(firstMoment),
            secondMoment: u(secondMoment), count: count, hyper: hyper)
    }
    func synchronize() {}
}

/// `values` as a tensor on the wrapped device.
func onWrappedDevice(_ values: [Float]) -> Tensor {
    Tensor(shape: [values.count], scalars: values, backend: WrappedDeviceBackend.shared)
}
