/// A driver object handle (`CUcontext`, `CUmodule`, `CUfunction`, `CUstream`): the pointer's bits.
public struct CUDAHandle: Hashable, Sendable, CustomStringConvertible {
    /// The handle's bits.
    public let rawValue: UInt
    /// The handle with bits `rawValue` (0 is the null handle).
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// An address in device memory (`CUdeviceptr`).
public typealias CUDADevicePointer = UInt64

/// Grid or block extent of a kernel launch.
public struct LaunchDimensions: Hashable, Sendable, CustomStringConvertible {
    /// Extent along each axis (≥ 1).
    public var x: UInt32, y: UInt32, z: UInt32
    /// An extent of `x × y × z`.
    public init(x: UInt32, y: UInt32 = 1, z: UInt32 = 1) { self.x = x; self.y = y; self.z = z }
    /// Threads (for a block) or blocks (for a grid) in total.
    public var volume: Int { Int(x) * Int(y) * Int(z) }
    public var description: String { "(\(x), \(y), \(z))" }
}

/// Device attributes the backend reads (values of `CUdevice_attribute`).
public enum CUDADeviceAttribute: Int32, Sendable {
    /// `CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK`.
    case maxThreadsPerBlock = 1
    /// `CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT`.
    case multiprocessorCount = 16
    /// `CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR`.
    case computeCapabilityMajor = 75
    /// `CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR`.
    case computeCapabilityMinor = 76
}

/// The subset of the CUDA driver API the backend uses, one method per driver function.
///
/// ``CUDADriverLibrary`` implements it over `libcuda.so` loaded at run time; tests implement it on
/// the CPU (device memory is host memory, launches run emulated kernels) to check the whole launch
/// path without a GPU. Every method throws ``CUDAError`` when the driver reports a failure.
/// Implementations must be safe to call from several threads, as the driver is.
public protocol CUDADriverAPI: AnyObject, Sendable {
    /// What was loaded, e.g. `"libcuda.so.1"`.
    var libraryName: String { get }
    /// `cuInit(0)`.
    func initialize() throws(CUDAError)
    /// `cuDriverGetVersion`: 1000 · major + 10 · minor, e.g. 12040 for CUDA 12.4.
    func driverVersion() throws(CUDAError) -> Int
    /// `cuDeviceGetCount`.
    func deviceCount() throws(CUDAError) -> Int
    /// `cuDeviceGet`: the `CUdevice` of an ordinal.
    func device(ordinal: Int) throws(CUDAError) -> Int32
    /// `cuDeviceGetName`.
    func deviceName(_ device: Int32) throws(CUDAError) -> String
    /// `cuDeviceGetAttribute`.
    func deviceAttribute(_ attribute: CUDADeviceAttribute, of device: Int32) throws(CUDAError) -> Int
    /// `cuDeviceTotalMem`, in bytes.
    func totalMemory(of device: Int32) throws(CUDAError) -> Int
    /// `cuDevicePrimaryCtxRetain`.
    func retainPrimaryContext(of device: Int32) throws(CUDAError) -> CUDAHandle
    /// `cuCtxGetCurrent`; `nil` when the calling thread has no current context.
    func currentContext() throws(CUDAError) -> CUDAHandle?
    /// `cuCtxSetCurrent` for the calling thread.
    func setCurrentContext(_ context: CUDAHandle) throws(CUDAError)
    /// `cuModuleLoadDataEx` of NUL-terminated PTX text into the current context; a failure's
    /// ``CUDAError/detail`` holds the JIT compiler's error log.
    func loadModule(ptx: String) throws(CUDAError) -> CUDAHandle
    /// `cuModuleGetFunction`.
    func function(named name: String, in module: CUDAHandle) throws(CUDAError) -> CUDAHandle
    /// `cuStreamCreate` (blocking stream, flags 0).
    func createStream() throws(CUDAError) -> CUDAHandle
    /// `cuStreamSynchronize`.
    func synchronize(_ stream: CUDAHandle) throws(CUDAError)
    /// `cuMemAlloc`.
    func allocate(byteCount: Int) throws(CUDAError) -> CUDADevicePointer
    /// `cuMemFree`.
    func free(_ pointer: CUDADevicePointer) throws(CUDAError)
    /// `cuMemcpyHtoDAsync` on `stream`.
    func copyHostToDevice(
        _ destination: CUDADevicePointer, from source: UnsafeRawPointer, byteCount: Int,
        stream: CUDAHandle) throws(CUDAError)
    /// `cuMemcpyDtoHAsync` on `stream` (the caller synchronizes before reading).
    func copyDeviceToHost(
        _ destination: UnsafeMutableRawPointer, from source: CUDADevicePointer, byteCount: Int,
        stream: CUDAHandle) throws(CUDAError)
    /// `cuMemcpyDtoDAsync` on `stream`.
    func copyDeviceToDevice(
        _ destination: CUDADevicePointer, from source: CUDADevicePointer, byteCount: Int,
        stream: CUDAHandle) throws(CUDAError)
    /// `cuLaunchKernel` with `kernelParams` (one pointer per kernel parameter, each to its value).
    func launch(
        _ function: CUDAHandle, grid: LaunchDimensions, block: LaunchDimensions, sharedMemoryBytes: Int,
        stream: CUDAHandle, parameters: UnsafeMutablePointer<UnsafeMutableRawPointer?>) throws(CUDAError)
}
