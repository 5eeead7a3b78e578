import TensorCore

/// A second device for machines without a GPU: `cuda:0` served by the CPU's kernels.
///
/// Tensors on the simulated device are distinct from CPU tensors in every way the library checks
/// (``Tensor/device``, mixed-device operations are rejected), so code that creates a tensor on the
/// wrong device — noise made on the CPU for an input on `cuda:0` — fails exactly as it would on a
/// GPU, and ``ModelCheck/deviceMoving`` runs for real. The numbers are the CPU's.
///
/// For tests only: ``install()`` registers a provider for the whole `cuda` device kind, which would
/// hide real GPUs, so it does nothing when `cuda:0` is already available (a real backend, or an
/// earlier install).
///
/// ```swift
/// SimulatedDevice.install()          // now BackendRegistry.shared.availableDevices() == [.cpu, .cuda(0)]
/// try ModelCheck.deviceMoving.run(on: subject)
/// ```
public enum SimulatedDevice {
    /// The device the simulation serves.
    public static let device = Device.cuda(0)

    /// Registers the simulated `cuda:0` unless `cuda:0` is already available.
    /// - Returns: `true` when the simulation serves `cuda:0` (now or from an earlier call),
    ///   `false` when a real backend does.
    @discardableResult
    public static func install() -> Bool {
        if let existing = try? BackendRegistry.shared.backend(for: device) {
            return existing is SimulatedDeviceBackend
        }
        BackendRegistry.shared.register({ (requested: Device) throws(DeviceError) -> any Backend in
            guard requested == device else {
                throw .unavailable(requested, reason: "TestKit's SimulatedDevice serves \(device) only")
            }
            return SimulatedDeviceBackend.shared
        }, for: .cuda)
        return true
    }
}

/// The backend behind ``SimulatedDevice``: reports `cuda:0` as its device and runs every
/// primitive with ``CPUBackend``, on CPU buffers.
final class SimulatedDeviceBackend: Backend {
    static let shared = SimulatedDeviceBackend()

    private let cpu = CPUBackend.shared

    var device: Device { SimulatedDevice.device }
    var name: String { "simulated \(SimulatedDevice.device) (\(cpu.name))" }

    func allocate(count: Int) -> any DeviceBuffer { cpu.allocate(count: count) }

    func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        cpu.upload(source, to: buffer, offset: offset)
    }

    func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        cpu.download(buffer, offset: offset, into: destination)
    }

    func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float) {
        cpu.fill(buffer, offset: offset, count: count, value: value)
    }

    func copy(_ source: any DeviceBuffer, _ sourceLayout: StridedLayout,
              to destination: any DeviceBuffer, _ destinationLayout: StridedLayout) {
        cpu.copy(source, sourceLayout, to: destination, destinationLayout)
    }

    func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer) {
        cpu.unary(op, x, xLayout, into: out)
    }

    func binary(_ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
                _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer) {
        cpu.binary(op, a, aLayout, b, bLayout, into: out)
    }

    func select(_ condition: any DeviceBuffer, _ conditionLayout: StridedLayout,
                _ a: any DeviceBuffer, _ aLayout: StridedLayout,
                _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer) {
        cpu.select(condition, conditionLayout, a, aLayout, b, bLayout, into: out)
    }

    func reduce(_ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner: Int,
                into out: any DeviceBuffer) {
        cpu.reduce(op, x, offset: offset, outer: outer, extent: extent, inner: inner, into: out)
    }

    func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) {
        cpu.gemm(descriptor, a: a, b: b, c: c)
    }

    func conv2dForward(_ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
                       into output: any DeviceBuffer) {
        cpu.conv2dForward(geometry, input: input, weight: weight, into: output)
    }

    func conv2dBackwardInput(_ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
                             into gradInput: any DeviceBuffer) {
        cpu.conv2dBackwardInput(geometry, gradOutput: gradOutput, weight: weight, into: gradInput)
    }

    func conv2dBackwardWeight(_ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
                              into gradWeight: any DeviceBuffer) {
        cpu.conv2dBackwardWeight(geometry, input: input, gradOutput: gradOutput, into: gradWeight)
    }

    func fillRandom(_ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution,
                    key: PhiloxKey, counter: UInt64) {
        cpu.fillRandom(buffer, count: count, distribution: distribution, key: key, counter: counter)
    }

    func adamStep(parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
                  secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters) {
        cpu.adamStep(parameter: parameter, gradient: gradient, firstMoment: firstMoment,
                     secondMoment: secondMoment, count: count, hyper: hyper)
    }

    func synchronize() { cpu.synchronize() }
}
