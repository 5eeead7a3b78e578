import DeepTrustSystem
import TensorCore

/// NVIDIA GPU support for TensorCore through the CUDA driver API, loaded at run time.
///
/// Call ``register()`` once at start-up; afterwards `Device.cuda(n)` works everywhere in
/// TensorCore (`tensor.to(.cuda(0))`, `Tensor.zeros(_:device:)`, `Device.checkAvailable()`):
///
/// ```swift
/// import CUDABackend
/// CUDABackend.register()
/// try Device.cuda(0).checkAvailable()                         // throws on a machine without a GPU
/// let x = Tensor(shape: [2], scalars: [1, 2], device: .cuda(0))
/// ```
///
/// Registration is explicit, not automatic on import: Swift runs no code when a module is
/// imported or linked, and an explicit call keeps the driver untouched (no `dlopen`) in
/// programs that never ask for a GPU. Nothing of CUDA is needed at build time: `libcuda.so.1`
/// (and optionally cuBLAS) is opened on first use, and every way that can fail — no driver, a
/// missing symbol, no GPU, an index out of range, a GPU older than compute capability 8.0, a
/// driver too old for the kernels' PTX — becomes a thrown
/// `DeviceError.unavailable(.cuda(n), reason: "CUDA unavailable: …")`.
///
/// Environment: `DEEPTRUST_CUDA_GEMM=kernel` skips cuBLAS and uses the built-in SGEMM kernel;
/// `DEEPTRUST_CUBLAS=<path or name>` names the cuBLAS library to try first (for example the one
/// inside a PyTorch installation).
public enum CUDABackend {
    /// The driver library, opened once per process.
    private static let driverLibrary: Result<CUDADriverLibrary, LibraryLoadError> = Result {
        () throws(LibraryLoadError) in try CUDADriverLibrary.load()
    }

    /// cuBLAS, opened once per process unless `DEEPTRUST_CUDA_GEMM=kernel`.
    private static let blasLibrary: Result<CUBLASLibrary, LibraryLoadError> = {
        if environmentVariable("DEEPTRUST_CUDA_GEMM") == "kernel" {
            return .failure(.disabled(setting: "DEEPTRUST_CUDA_GEMM=kernel"))
        }
        return Result { () throws(LibraryLoadError) in try CUBLASLibrary.load() }
    }()

    /// Installs the CUDA provider in `BackendRegistry.shared` for `.cuda` devices (replacing an
    /// earlier one). Cheap: the driver is opened when a CUDA device is first asked for.
    public static func register() {
        BackendRegistry.shared.register(provider, for: .cuda)
    }

    /// Installs a provider over an explicit driver and optional cuBLAS (tests use drivers that run
    /// on the CPU).
    public static func register(driver: any CUDADriverAPI, blas: (any CUBLASAPI)?) {
        BackendRegistry.shared.register(
            { (device: Device) throws(DeviceError) -> any Backend in
                guard case .cuda(let ordinal) = device else {
                    throw .unavailable(device, reason: CUDAUnavailability.prefix + "\(device) is not a CUDA device")
                }
                return try CUDADeviceBackend.make(ordinal: ordinal, driver: driver, blas: blas)
            }, for: .cuda)
    }

    /// The provider `register()` installs: the real driver, cuBLAS when it loads.
    static let provider: BackendRegistry.Provider = { (device: Device) throws(DeviceError) -> any Backend in
        guard case .cuda(let ordinal) = device else {
            throw .unavailable(device, reason: CUDAUnavailability.prefix + "\(device) is not a CUDA device")
        }
        let driver: CUDADriverLibrary
        switch driverLibrary {
        case .success(let loaded): driver = loaded
        case .failure(let error): throw .unavailable(device, reason: CUDAUnavailability.reason(error))
        }
        return try CUDADeviceBackend.make(ordinal: ordinal, driver: driver, blas: try? blasLibrary.get())
    }

    /// What this machine offers: the driver library and version, every GPU, and cuBLAS; or why
    /// CUDA is unavailable. Never throws or crashes; used by diagnostics (`dlcheck`, `Tools/gpu-check`).
    public static func probe() -> CUDAProbe {
        let driver: CUDADriverLibrary
        switch driverLibrary {
        case .success(let loaded): driver = loaded
        case .failure(let error):
            return CUDAProbe(driverLibrary: nil, devices: [], cublas: nil, unavailableReason: CUDAUnavailability.reason(error))
        }
        let blasName: String?
        switch blasLibrary {
        case .success(let blas): blasName = blas.libraryName
        case .failure: blasName = nil
        }
        do throws(CUDAError) {
            try driver.initialize()
            let version = try? driver.driverVersion()
            var devices: [CUDADeviceProperties] = []
            for ordinal in 0..<(try driver.deviceCount()) {
                devices.append(
                    try CUDADeviceProperties.read(
                        ordinal: ordinal, device: try driver.device(ordinal: ordinal),
                        driver: driver))
            }
            let reason = devices.isEmpty ? CUDAUnavailability.noSuchDevice(ordinal: 0, count: 0) : nil
            _ = version
            return CUDAProbe(driverLibrary: driver.libraryName, devices: devices, cublas: blasName, unavailableReason: reason)
        } catch {
            return CUDAProbe(
                driverLibrary: driver.libraryName, devices: [], cublas: blasName,
                unavailableReason: CUDAUnavailability.reason(error, driverVersion: try? driver.driverVersion()))
        }
    }
}

/// The result of ``CUDABackend/probe()``.
public struct CUDAProbe: Sendable, CustomStringConvertible {
    /// The driver library that loaded, or `nil`.
    public var driverLibrary: String?
    /// Every GPU the driver reports.
    public var devices: [CUDADeviceProperties]
    /// The cuBLAS library that loaded, or `nil` (the built-in SGEMM kernel is used then).
    public var cublas: String?
    /// Why no device can be used ("CUDA unavailable: …"), or `nil` when at least one GPU is visible.
    public var unavailableReason: String?

    public var description: String {
        if let unavailableReason { return unavailableReason }
        return
            (["driver \(driverLibrary ?? "?"), cuBLAS \(cublas ?? "not found (built-in SGEMM kernel)")"]
            + devices.map(\.description)).joined(separator: "\n")
    }
}
