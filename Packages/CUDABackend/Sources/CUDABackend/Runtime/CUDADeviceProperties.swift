/// What the driver reports about one GPU.
public struct CUDADeviceProperties: Hashable, Sendable, CustomStringConvertible {
    /// The device ordinal (`N` of `cuda:N`).
    public var ordinal: Int
    /// The marketing name, e.g. `"NVIDIA H200"`.
    public var name: String
    /// Compute capability, major part (8 for Ampere, 9 for Hopper).
    public var computeCapabilityMajor: Int
    /// Compute capability, minor part.
    public var computeCapabilityMinor: Int
    /// Number of streaming multiprocessors.
    public var multiprocessorCount: Int
    /// Device memory in bytes.
    public var totalMemoryBytes: Int
    /// The driver's CUDA version, 1000 · major + 10 · minor.
    public var driverVersion: Int

    /// Properties from their parts (the backend reads them from the driver).
    public init(
        ordinal: Int, name: String, computeCapabilityMajor: Int, computeCapabilityMinor: Int,
        multiprocessorCount: Int, totalMemoryBytes: Int, driverVersion: Int
    ) {
        self.ordinal = ordinal; self.name = name
        self.computeCapabilityMajor = computeCapabilityMajor; self.computeCapabilityMinor = computeCapabilityMinor
        self.multiprocessorCount = multiprocessorCount; self.totalMemoryBytes = totalMemoryBytes
        self.driverVersion = driverVersion
    }

    /// `"12.4"` for driver version 12040.
    public var driverVersionString: String { "\(driverVersion / 1000).\(driverVersion % 1000 / 10)" }

    public var description: String {
        "cuda:\(ordinal) \(name), sm_\(computeCapabilityMajor)\(computeCapabilityMinor), \(multiprocessorCount) SMs, "
            + "\(totalMemoryBytes / (1 << 20)) MiB, driver CUDA \(driverVersionString)"
    }

    /// Reads the properties of device `ordinal` (which must exist).
    static func read(ordinal: Int, device: Int32, driver: any CUDADriverAPI) throws(CUDAError) -> CUDADeviceProperties {
        CUDADeviceProperties(
            ordinal: ordinal, name: try driver.deviceName(device),
            computeCapabilityMajor: try driver.deviceAttribute(.computeCapabilityMajor, of: device),
            computeCapabilityMinor: try driver.deviceAttribute(.computeCapabilityMinor, of: device),
            multiprocessorCount: try driver.deviceAttribute(.multiprocessorCount, of: device),
            totalMemoryBytes: try driver.totalMemory(of: device),
            driverVersion: try driver.driverVersion())
    }
}
