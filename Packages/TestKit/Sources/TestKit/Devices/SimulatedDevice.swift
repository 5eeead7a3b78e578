import TensorCore
import TensorCoreTesting

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

    /// The backend serving it: the CPU's kernels and memory under the name `cuda:0`.
    public static let backend = CPUForwardingBackend(name: "simulated \(device) (\(CPUBackend.shared.name))", device: device)

    /// Registers the simulated `cuda:0` unless `cuda:0` is already available.
    /// - Returns: `true` when the simulation serves `cuda:0` (now or from an earlier call),
    ///   `false` when a real backend does.
    @discardableResult
    public static func install() -> Bool {
        if let existing = try? BackendRegistry.shared.backend(for: device) {
            return existing === backend
        }
        BackendRegistry.shared.register(
            { (requested: Device) throws(DeviceError) -> any Backend in
                guard requested == device else {
                    throw .unavailable(requested, reason: "TestKit's SimulatedDevice serves \(device) only")
                }
                return backend
            }, for: .cuda)
        return true
    }
}
