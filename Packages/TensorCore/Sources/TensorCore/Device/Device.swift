/// Where a tensor's memory lives and where its operations run.
///
/// `Device` is a plain value: comparing, hashing and printing it never touches hardware.
///
/// Every factory and layer initialiser takes one trailing `device: Device = .cpu` argument
/// (``Tensor/zeros(_:device:)``, ``Tensor/randn(_:mean:std:generator:device:)``, `Linear(4, 2, device: d)`, …)
/// and does not throw because of it. Availability is checked once, where the device is chosen:
/// call ``checkAvailable()`` (or ``Tensor/to(_:)``, `Module.moved(to:)`, which throw) before
/// creating anything on it. Handing a factory a device that is not available is a programmer
/// error: it stops the process with the ``DeviceError`` and a hint to check the device first.
///
/// ```swift
/// let device = try Device(parsing: "cuda:0")
/// try device.checkAvailable()                 // throws DeviceError.unavailable(…) here, once
/// let x = Tensor.randn([2, 3], device: device)   // cannot fail because of the device
/// ```
public enum Device: Hashable, Sendable, CustomStringConvertible {
    /// Host memory, computed by the built-in CPU backend.
    case cpu
    /// The NVIDIA GPU with the given ordinal, computed by the `CUDABackend` package.
    case cuda(Int)

    /// `"cpu"` or `"cuda:N"`, the same spelling ``init(parsing:)`` accepts.
    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let index): return "cuda:\(index)"
        }
    }

    /// The family of the device, used to look up its backend provider.
    public var kind: DeviceKind {
        switch self {
        case .cpu: return .cpu
        case .cuda: return .cuda
        }
    }

    /// Parses `"cpu"`, `"cuda"` (meaning `cuda:0`) or `"cuda:N"`.
    ///
    /// - Throws: ``DeviceError/invalidName(_:)`` naming the text and the accepted spellings.
    public init(parsing text: String) throws(DeviceError) {
        let lowered = text.lowercased()
        if lowered == "cpu" { self = .cpu; return }
        if lowered == "cuda" { self = .cuda(0); return }
        if lowered.hasPrefix("cuda:"), let index = Int(lowered.dropFirst(5)), index >= 0 {
            self = .cuda(index)
            return
        }
        throw .invalidName(text)
    }

    /// Checks that a backend can serve this device, creating it on first use (see
    /// ``BackendRegistry/backend(for:)``). Call it where the device is chosen — after parsing a
    /// command-line flag, say — so that the factories given this device cannot fail.
    ///
    /// - Throws: ``DeviceError/unavailable(_:reason:)`` when no backend is registered for the
    ///   device's kind or the registered provider cannot serve it (no driver, no such GPU).
    public func checkAvailable() throws(DeviceError) {
        _ = try BackendRegistry.shared.backend(for: self)
    }

    /// The backend serving this device, for the factories and layer initialisers.
    ///
    /// An unavailable device is a programmer error here (the device should have been checked
    /// where it was chosen): this stops the process with the ``DeviceError``'s description and
    /// a hint to call ``checkAvailable()`` first.
    package var resolvedBackend: any Backend {
        do {
            return try BackendRegistry.shared.backend(for: self)
        } catch {
            preconditionFailure("\(error.description); check it first with Device.checkAvailable()")
        }
    }
}

/// A family of devices that one backend provider serves.
public enum DeviceKind: String, Hashable, Sendable, CaseIterable {
    /// Host memory and the built-in CPU backend (``Device/cpu``).
    case cpu
    /// NVIDIA GPUs (``Device/cuda(_:)``), served by the `CUDABackend` package when it is linked.
    case cuda

    /// The package that provides the backend for this kind of device.
    public var providingPackage: String {
        switch self {
        case .cpu: return "TensorCore"
        case .cuda: return "CUDABackend"
        }
    }
}

/// Errors raised when a device is named or used.
public enum DeviceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not a device name.
    case invalidName(String)
    /// No backend can serve the device; `reason` says why (package not linked, no driver, no such GPU).
    case unavailable(Device, reason: String)
    /// Two tensors of one operation live on different devices.
    case mismatch(op: String, Device, Device)

    public var description: String {
        switch self {
        case .invalidName(let text):
            return "invalid device '\(text)': expected 'cpu', 'cuda' or 'cuda:N'"
        case .unavailable(let device, let reason):
            return "device \(device) unavailable: \(reason)"
        case .mismatch(let op, let a, let b):
            return "\(op): operands are on different devices (\(a) and \(b)); move one with .to(_:) first"
        }
    }
}
