import TensorCore

/// A backend that runs every primitive with ``CPUBackend`` on CPU buffers but reports a device of
/// its own choosing.
///
/// It is the stand-in second device of tests on machines without a GPU: tensors on it are
/// distinct from CPU tensors wherever the library compares devices (mixed-device operations are
/// refused, `to(_:)` copies), while the numbers are the CPU's. It implements no fused kernel, so
/// `binary(_:_:_:_:_:then:into:)` takes the protocol's default — what a new backend gets.
///
/// ```swift
/// let other = CPUForwardingBackend(name: "simulated cuda:0", device: .cuda(0))
/// let x = Tensor(shape: [2], scalars: [1, 2], backend: other)   // x.device == .cuda(0)
/// ```
public final class CPUForwardingBackend: Backend {
    public let device: Device
    public let name: String
    private let cpu = CPUBackend.shared

    /// A backend named `name`, reporting `device`, whose work is done by the CPU backend.
    public init(name: String, device: Device) {
        self.device = device
        self.name = name
    }

    public func allocate(count: Int) -> any DeviceBuffer { cpu.allocate(count: count) }

    public func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        cpu.upload(source, to: buffer, offset: offset)
    }

    public func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        cpu.download(buffer, offset: offset, into: destination)
    }

    public func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float) {
        cpu.fill(buffer, offset: offset, count: count, value: value)
    }

    public func copy(
        _ source: any DeviceBuffer, _ sourceLayout: StridedLayout,
        to destination: any DeviceBuffer, _ destinationLayout: StridedLayout
    ) {
        cpu.copy(source, sourceLayout, to: destination, destinationLayout)
    }

    public func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer) {
        cpu.unary(op, x, xLayout, into: out)
    }

    public func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        cpu.binary(op, a, aLayout, b, bLayout, into: out)
    }

    public func select(
        _ condition: any DeviceBuffer, _ conditionLayout: StridedLayout,
        _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        cpu.select(condition, conditionLayout, a, aLayout, b, bLayout, into: out)
    }

    public func reduce(
        _ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner: Int,
        into out: any DeviceBuffer
    ) {
        cpu.reduce(op, x, offset: offset, outer: outer, extent: extent, inner: inner, into: out)
    }

    public func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) {
        cpu.gemm(descriptor, a: a, b: b, c: c)
    }

    public func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer
    ) {
        cpu.conv2dForward(geometry, input: input, weight: weight, into: output)
    }

    public func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer
    ) {
        cpu.conv2dBackwardInput(geometry, gradOutput: gradOutput, weight: weight, into: gradInput)
    }

    public func conv2dBackwardWeight(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        into gradWeight: any DeviceBuffer
    ) {
        cpu.conv2dBackwardWeight(geometry, input: input, gradOutput: gradOutput, into: gradWeight)
    }

    public func fillRandom(
        _ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution,
        key: PhiloxKey, counter: UInt64
    ) {
        cpu.fillRandom(buffer, count: count, distribution: distribution, key: key, counter: counter)
    }

    public func adamStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
        secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters
    ) {
        cpu.adamStep(
            parameter: parameter, gradient: gradient, firstMoment: firstMoment,
            secondMoment: secondMoment, count: count, hyper: hyper)
    }

    public func sgdStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, momentumBuffer: (any DeviceBuffer)?,
        count: Int, hyper: SGDHyperparameters
    ) {
        cpu.sgdStep(parameter: parameter, gradient: gradient, momentumBuffer: momentumBuffer, count: count, hyper: hyper)
    }

    public func synchronize() { cpu.synchronize() }
}
