/// The CUDA driver API of `libcuda.so`, bound at run time with `dlopen`/`dlsym`.
///
/// Nothing of CUDA is needed to build or link the package: a machine without an NVIDIA driver
/// gets a ``LibraryLoadError`` from ``load(candidates:)`` instead of a crash or a link failure.
///
/// `@unchecked Sendable`: the stored function pointers are set once in `init` and point into a
/// library that is never unloaded; the driver functions themselves are thread-safe.
public final class CUDADriverLibrary: CUDADriverAPI, @unchecked Sendable {
    public let libraryName: String

    private typealias Status = Int32
    private let cuInit: @convention(c) (UInt32) -> Status
    private let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> Status
    private let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> Status
    private let cuDeviceGet: @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Status
    private let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Status
    private let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Status
    private let cuDeviceTotalMem: @convention(c) (UnsafeMutablePointer<Int>, Int32) -> Status
    private let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, Int32) -> Status
    private let cuCtxGetCurrent: @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Status
    private let cuCtxSetCurrent: @convention(c) (OpaquePointer?) -> Status
    private let cuModuleLoadDataEx:
        @convention(c) (
            UnsafeMutablePointer<OpaquePointer?>, UnsafeRawPointer, UInt32,
            UnsafeMutablePointer<Int32>?,
            UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        ) -> Status
    private let cuModuleGetFunction:
        @convention(c) (
            UnsafeMutablePointer<OpaquePointer?>, OpaquePointer?,
            UnsafePointer<CChar>
        ) -> Status
    private let cuStreamCreate: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UInt32) -> Status
    private let cuStreamSynchronize: @convention(c) (OpaquePointer?) -> Status
    private let cuMemAlloc: @convention(c) (UnsafeMutablePointer<UInt64>, Int) -> Status
    private let cuMemFree: @convention(c) (UInt64) -> Status
    private let cuMemcpyHtoDAsync: @convention(c) (UInt64, UnsafeRawPointer?, Int, OpaquePointer?) -> Status
    private let cuMemcpyDtoHAsync: @convention(c) (UnsafeMutableRawPointer?, UInt64, Int, OpaquePointer?) -> Status
    private let cuMemcpyDtoDAsync: @convention(c) (UInt64, UInt64, Int, OpaquePointer?) -> Status
    private let cuLaunchKernel:
        @convention(c) (
            OpaquePointer?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
            OpaquePointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
            UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        ) -> Status
    private let cuGetErrorName: @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Status
    private let cuGetErrorString: @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Status

    /// Opens the driver library (`libcuda.so.1`, then `libcuda.so`) and resolves every function.
    ///
    /// - Throws: ``LibraryLoadError/libraryNotFound(candidates:messages:)`` when no candidate loads,
    ///   ``LibraryLoadError/symbolMissing(library:symbol:)`` when the library lacks a function.
    public static func load(candidates: [String] = ["libcuda.so.1", "libcuda.so"]) throws(LibraryLoadError)
        -> CUDADriverLibrary
    {
        try CUDADriverLibrary(library: DynamicLibrary(firstOf: candidates))
    }

    private init(library: DynamicLibrary) throws(LibraryLoadError) {
        libraryName = library.name
        cuInit = try library.function("cuInit", as: type(of: cuInit))
        cuDriverGetVersion = try library.function("cuDriverGetVersion", as: type(of: cuDriverGetVersion))
        cuDeviceGetCount = try library.function("cuDeviceGetCount", as: type(of: cuDeviceGetCount))
        cuDeviceGet = try library.function("cuDeviceGet", as: type(of: cuDeviceGet))
        cuDeviceGetName = try library.function("cuDeviceGetName", as: type(of: cuDeviceGetName))
        cuDeviceGetAttribute = try library.function("cuDeviceGetAttribute", as: type(of: cuDeviceGetAttribute))
        cuDeviceTotalMem = try library.function("cuDeviceTotalMem_v2", as: type(of: cuDeviceTotalMem))
        cuDevicePrimaryCtxRetain = try library.function("cuDevicePrimaryCtxRetain", as: type(of: cuDevicePrimaryCtxRetain))
        cuCtxGetCurrent = try library.function("cuCtxGetCurrent", as: type(of: cuCtxGetCurrent))
        cuCtxSetCurrent = try library.function("cuCtxSetCurrent", as: type(of: cuCtxSetCurrent))
        cuModuleLoadDataEx = try library.function("cuModuleLoadDataEx", as: type(of: cuModuleLoadDataEx))
        cuModuleGetFunction = try library.function("cuModuleGetFunction", as: type(of: cuModuleGetFunction))
        cuStreamCreate = try library.function("cuStreamCreate", as: type(of: cuStreamCreate))
        cuStreamSynchronize = try library.function("cuStreamSynchronize", as: type(of: cuStreamSynchronize))
        cuMemAlloc = try library.function("cuMemAlloc_v2", as: type(of: cuMemAlloc))
        cuMemFree = try library.function("cuMemFree_v2", as: type(of: cuMemFree))
        cuMemcpyHtoDAsync = try library.function("cuMemcpyHtoDAsync_v2", as: type(of: cuMemcpyHtoDAsync))
        cuMemcpyDtoHAsync = try library.function("cuMemcpyDtoHAsync_v2", as: type(of: cuMemcpyDtoHAsync))
        cuMemcpyDtoDAsync = try library.function("cuMemcpyDtoDAsync_v2", as: type(of: cuMemcpyDtoDAsync))
        cuLaunchKernel = try library.function("cuLaunchKernel", as: type(of: cuLaunchKernel))
        cuGetErrorName = try library.function("cuGetErrorName", as: type(of: cuGetErrorName))
        cuGetErrorString = try library.function("cuGetErrorString", as: type(of: cuGetErrorString))
    }

    /// Turns a status into `()` or a ``CUDAError`` named after `call`.
    private func check(_ status: Status, _ call: String, detail: String = "") throws(CUDAError) {
        guard status != CUDAStatus.success else { return }
        var text: UnsafePointer<CChar>? = nil
        let name =
            cuGetErrorName(status, &text) == CUDAStatus.success && text != nil
            ? String(cString: text!) : CUDAStatus.fallbackName(status)
        text = nil
        let message =
            cuGetErrorString(status, &text) == CUDAStatus.success && text != nil
            ? String(cString: text!) : "no description"
        throw CUDAError(call: call, code: status, name: name, message: message, detail: detail)
    }

    private static func handle(_ pointer: OpaquePointer?) -> CUDAHandle {
        CUDAHandle(rawValue: UInt(bitPattern: pointer.map { Int(bitPattern: UnsafeRawPointer($0)) } ?? 0))
    }

    private static func pointer(_ handle: CUDAHandle) -> OpaquePointer? {
        OpaquePointer(bitPattern: handle.rawValue)
    }

    public func initialize() throws(CUDAError) { try check(cuInit(0), "cuInit") }

    public func driverVersion() throws(CUDAError) -> Int {
        var version: Int32 = 0
        try check(cuDriverGetVersion(&version), "cuDriverGetVersion")
        return Int(version)
    }

    public func deviceCount() throws(CUDAError) -> Int {
        var count: Int32 = 0
        try check(cuDeviceGetCount(&count), "cuDeviceGetCount")
        return Int(count)
    }

    public func device(ordinal: Int) throws(CUDAError) -> Int32 {
        var device: Int32 = 0
        try check(cuDeviceGet(&device, Int32(clamping: ordinal)), "cuDeviceGet")
        return device
    }

    public func deviceName(_ device: Int32) throws(CUDAError) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        try check(cuDeviceGetName(&buffer, Int32(buffer.count - 1), device), "cuDeviceGetName")
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public func deviceAttribute(_ attribute: CUDADeviceAttribute, of device: Int32) throws(CUDAError) -> Int {
        var value: Int32 = 0
        try check(cuDeviceGetAttribute(&value, attribute.rawValue, device), "cuDeviceGetAttribute")
        return Int(value)
    }

    public func totalMemory(of device: Int32) throws(CUDAError) -> Int {
        var bytes = 0
        try check(cuDeviceTotalMem(&bytes, device), "cuDeviceTotalMem")
        return bytes
    }

    public func retainPrimaryContext(of device: Int32) throws(CUDAError) -> CUDAHandle {
        var context: OpaquePointer? = nil
        try check(cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        return Self.handle(context)
    }

    public func currentContext() throws(CUDAError) -> CUDAHandle? {
        var context: OpaquePointer? = nil
        try check(cuCtxGetCurrent(&context), "cuCtxGetCurrent")
        return context == nil ? nil : Self.handle(context)
    }

    public func setCurrentContext(_ context: CUDAHandle) throws(CUDAError) {
        try check(cuCtxSetCurrent(Self.pointer(context)), "cuCtxSetCurrent")
    }

    public func loadModule(ptx: String) throws(CUDAError) -> CUDAHandle {
        let logSize = 16 * 1024
        let errorLog = UnsafeMutablePointer<CChar>.allocate(capacity: logSize)
        defer { errorLog.deallocate() }
        errorLog.initialize(repeating: 0, count: logSize)
        // CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6; sizes pass as pointer-sized values.
        var options: [Int32] = [5, 6]
        var values: [UnsafeMutableRawPointer?] = [
            UnsafeMutableRawPointer(errorLog), UnsafeMutableRawPointer(bitPattern: logSize),
        ]
        var module: OpaquePointer? = nil
        let status = ptx.withCString { text in
            cuModuleLoadDataEx(&module, UnsafeRawPointer(text), UInt32(options.count), &options, &values)
        }
        let log = String(cString: errorLog).trimmingTrailingWhitespace()
        try check(status, "cuModuleLoadDataEx", detail: log.isEmpty ? "" : "JIT log: \(log)")
        return Self.handle(module)
    }

    public func function(named name: String, in module: CUDAHandle) throws(CUDAError) -> CUDAHandle {
        var function: OpaquePointer? = nil
        try check(cuModuleGetFunction(&function, Self.pointer(module), name), "cuModuleGetFunction(\(name))")
        return Self.handle(function)
    }

    public func createStream() throws(CUDAError) -> CUDAHandle {
        var stream: OpaquePointer? = nil
        try check(cuStreamCreate(&stream, 0), "cuStreamCreate")
        return Self.handle(stream)
    }

    public func synchronize(_ stream: CUDAHandle) throws(CUDAError) {
        try check(cuStreamSynchronize(Self.pointer(stream)), "cuStreamSynchronize")
    }

    public func allocate(byteCount: Int) throws(CUDAError) -> CUDADevicePointer {
        var pointer: UInt64 = 0
        try check(cuMemAlloc(&pointer, byteCount), "cuMemAlloc(\(byteCount) bytes)")
        return pointer
    }

    public func free(_ pointer: CUDADevicePointer) throws(CUDAError) {
        try check(cuMemFree(pointer), "cuMemFree")
    }

    public func copyHostToDevice(
        _ destination: CUDADevicePointer, from source: UnsafeRawPointer, byteCount: Int,
        stream: CUDAHandle
    ) throws(CUDAError) {
        try check(cuMemcpyHtoDAsync(destination, source, byteCount, Self.pointer(stream)), "cuMemcpyHtoDAsync")
    }

    public func copyDeviceToHost(
        _ destination: UnsafeMutableRawPointer, from source: CUDADevicePointer, byteCount: Int,
        stream: CUDAHandle
    ) throws(CUDAError) {
        try check(cuMemcpyDtoHAsync(destination, source, byteCount, Self.pointer(stream)), "cuMemcpyDtoHAsync")
    }

    public func copyDeviceToDevice(
        _ destination: CUDADevicePointer, from source: CUDADevicePointer, byteCount: Int,
        stream: CUDAHandle
    ) throws(CUDAError) {
        try check(cuMemcpyDtoDAsync(destination, source, byteCount, Self.pointer(stream)), "cuMemcpyDtoDAsync")
    }

    public func launch(
        _ function: CUDAHandle, grid: LaunchDimensions, block: LaunchDimensions, sharedMemoryBytes: Int,
        stream: CUDAHandle, parameters: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) throws(CUDAError) {
        try check(
            cuLaunchKernel(
                Self.pointer(function), grid.x, grid.y, grid.z, block.x, block.y, block.z,
                UInt32(sharedMemoryBytes), Self.pointer(stream), parameters, nil), "cuLaunchKernel")
    }
}

extension String {
    /// The string without trailing spaces and newlines.
    func trimmingTrailingWhitespace() -> String {
        var end = endIndex
        while end > startIndex, let last = self[index(before: end)].unicodeScalars.first,
            last == " " || last == "\n" || last == "\r" || last == "\t"
        {
            end = index(before: end)
        }
        return String(self[startIndex..<end])
    }
}
