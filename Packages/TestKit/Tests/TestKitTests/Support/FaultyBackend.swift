import TestKit

/// A broken second device for ``BackendCheck``'s tests: the simulated `cuda:0`, except that
/// `exp` is off by a relative 1e-3 and Adam skips its weight decay, the kind of slip a new backend's
/// kernel makes. Everything else forwards to ``SimulatedDevice/backend``.
final class FaultyBackend: Backend {
    private let inner = SimulatedDevice.backend
    var device: Device { inner.device }
    var name: String { "faulty \(inner.device)" }

    func allocate(count: Int) -> any DeviceBuffer { inner.allocate(count: count) }
    func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        inner.upload(source, to: buffer, offset: offset)
    }
    func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        inner.download(buffer, offset: offset, into: destination)
    }
    func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float) {
        inner.fill(buffer, offset: offset, count: count, value: value)
    }
    func copy(
        _ source: any DeviceBuffer, _ sourceLayout: StridedLayout, to destination: any DeviceBuffer,
        _ destinationLayout: StridedLayout
    ) {
        inner.copy(source, sourceLayout, to: destination, destinationLayout)
    }
    func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer) {
        inner.unary(op, x, xLayout, into: out)
        if op == .exp {
            let flat = StridedLayout(contiguous: xLayout.shape)
            let exact = inner.allocate(count: xLayout.count)
            inner.copy(out, flat, to: exact, flat)
            inner.unary(.mulScalar(1.001), exact, flat, into: out)
        }
    }
    func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout, _ b: any DeviceBuffer,
        _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        inner.binary(op, a, aLayout, b, bLayout, into: out)
    }
    func select(
        _ condition: any DeviceBuffer, _ conditionLayout: StridedLayout, _ a: any DeviceBuffer,
        _ aLayout: StridedLayout, _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        inner.select(condition, conditionLayout, a, aLayout, b, bLayout, into: out)
    }
    func reduce(
        _ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner count: Int,
        into out: any DeviceBuffer
    ) {
        inner.reduce(op, x, offset: offset, outer: outer, extent: extent, inner: count, into: out)
    }
    func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) {
        inner.gemm(descriptor, a: a, b: b, c: c)
    }
    func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer, into output: any DeviceBuffer
    ) {
        inner.conv2dForward(geometry, input: input, weight: weight, into: output)
    }
    func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer
    ) {
        inner.conv2dBackwardInput(geometry, gradOutput: gradOutput, weight: weight, into: gradInput)
    }
    func conv2dBackwardWeight(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        into gradWeight: any DeviceBuffer
    ) {
        inner.conv2dBackwardWeight(geometry, input: input, gradOutput: gradOutput, into: gradWeight)
    }
    func fillRandom(
        _ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution, key: PhiloxKey, counter: UInt64
    ) {
        inner.fillRandom(buffer, count: count, distribution: distribution, key: key, counter: counter)
    }
    func adamStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
        secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters
    ) {
        var withoutDecay = hyper
        withoutDecay.weightDecay = 0
        inner.adamStep(
            parameter: parameter, gradient: gradient, firstMoment: firstMoment, secondMoment: secondMoment,
            count: count, hyper: withoutDecay)
    }
    func synchronize() { inner.synchronize() }
}
