import Synchronization

/// Looks up the backend for a device.
///
/// The CPU backend is always present. Other packages register a provider for their device kind
/// (CUDABackend calls ``register(_:for:)`` from its `register()` function); until one is registered,
/// asking for such a device throws ``DeviceError/unavailable(_:reason:)`` naming the package.
public final class BackendRegistry: Sendable {
    /// Creates (or returns a cached) backend for one device of the provider's kind, or throws
    /// ``DeviceError/unavailable(_:reason:)`` explaining why the device cannot be used.
    public typealias Provider = @Sendable (Device) throws(DeviceError) -> any Backend

    /// The process-wide registry.
    public static let shared = BackendRegistry()

    private struct State {
        var providers: [DeviceKind: Provider] = [:]
        var backends: [Device: any Backend] = [:]
    }
    private let state = Mutex(State())

    private init() {}

    /// Installs `provider` for `kind`, replacing an earlier one and forgetting backends it made.
    public func register(_ provider: @escaping Provider, for kind: DeviceKind) {
        state.withLock { state in
            state.providers[kind] = provider
            state.backends = state.backends.filter { $0.key.kind != kind }
        }
    }

    /// The backend for `device`, created on first use.
    ///
    /// - Throws: ``DeviceError/unavailable(_:reason:)`` when no provider is registered for the
    ///   device's kind or the provider cannot serve it.
    public func backend(for device: Device) throws(DeviceError) -> any Backend {
        if device == .cpu { return CPUBackend.shared }
        let (cached, provider) = state.withLock { ($0.backends[device], $0.providers[device.kind]) }
        if let cached { return cached }
        guard let provider else {
            throw .unavailable(
                device,
                reason: "no backend is registered for \(device.kind.rawValue) devices; "
                    + "add the \(device.kind.providingPackage) package and call \(device.kind.providingPackage).register()")
        }
        let made = try provider(device)
        return state.withLock { state in
            if let raced = state.backends[device] { return raced }
            state.backends[device] = made
            return made
        }
    }

    /// True when ``backend(for:)`` would succeed for `device`.
    public func isAvailable(_ device: Device) -> Bool {
        (try? backend(for: device)) != nil
    }

    /// Devices whose backend is available now: `.cpu` first, then `cuda:0`, `cuda:1`, … while they exist
    /// (at most `maxCUDADevices` are probed).
    public func availableDevices(maxCUDADevices: Int = 16) -> [Device] {
        var devices: [Device] = [.cpu]
        for index in 0..<maxCUDADevices {
            guard isAvailable(.cuda(index)) else { break }
            devices.append(.cuda(index))
        }
        return devices
    }
}
