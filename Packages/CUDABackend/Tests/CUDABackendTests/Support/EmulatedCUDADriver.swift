@testable import CUDABackend
import CUDAKernelEmulator
import DeepTrustSystem
import Synchronization

/// A CUDA driver that runs on the CPU: device memory is host memory (a device pointer is the host
/// address), and launches run the real kernels compiled for the host (CUDAKernelEmulator).
///
/// It records every launch, keeps a current context per thread, fills fresh allocations with NaN
/// (so a kernel that reads memory it should not shows up), and can be told to fail a driver call.
final class EmulatedCUDADriver: CUDADriverAPI {
    struct LaunchRecord: Equatable, Sendable {
        var kernel: String
        var grid: LaunchDimensions
        var block: LaunchDimensions
    }

    struct Configuration: Sendable {
        var deviceCount = 1
        var deviceName = "Emulated GPU"
        var computeCapability = (major: 8, minor: 0)
        var driverVersion = 12040
        /// Driver function name (e.g. "cuInit") → status it returns instead of working.
        var failures: [String: Int32] = [:]
        /// Fail `cuMemAlloc` with out-of-memory once more than this many bytes are live.
        var memoryLimit = Int.max
    }

    private struct State {
        var configuration: Configuration
        var allocations: [UInt64: Int] = [:]
        var launches: [LaunchRecord] = []
        var currentContexts: [UInt: CUDAHandle] = [:]
        var contextSwitches = 0
        var entryNames: Set<String> = []
        var functionNames: [UInt: String] = [:]
        var frees = 0
    }

    let libraryName = "emulated libcuda"
    static let context = CUDAHandle(rawValue: 0xC0)
    private let state: Mutex<State>

    init(_ configuration: Configuration = Configuration()) {
        state = Mutex(State(configuration: configuration))
    }

    var launches: [LaunchRecord] { state.withLock { $0.launches } }
    var liveAllocations: Int { state.withLock { $0.allocations.count } }
    var frees: Int { state.withLock { $0.frees } }
    var contextSwitches: Int { state.withLock { $0.contextSwitches } }
    func clearLaunches() { state.withLock { $0.launches.removeAll() } }
    func setFailure(_ call: String, _ code: Int32?) { state.withLock { $0.configuration.failures[call] = code } }

    /// Identifies the calling thread.
    private static var threadKey: UInt {
        #if os(Linux)
        return UInt(pthread_self())
        #else
        return UInt(bitPattern: pthread_self())
        #endif
    }

    private func check(_ call: String) throws(CUDAError) {
        if let code = state.withLock({ $0.configuration.failures[call] }) {
            throw CUDAError(call: call, code: code, name: CUDAStatus.fallbackName(code), message: "injected failure")
        }
    }

    func initialize() throws(CUDAError) { try check("cuInit") }
    func driverVersion() throws(CUDAError) -> Int {
        try check("cuDriverGetVersion"); return state.withLock { $0.configuration.driverVersion }
    }
    func deviceCount() throws(CUDAError) -> Int {
        try check("cuDeviceGetCount"); return state.withLock { $0.configuration.deviceCount }
    }

    func device(ordinal: Int) throws(CUDAError) -> Int32 {
        try check("cuDeviceGet")
        guard ordinal >= 0, ordinal < state.withLock({ $0.configuration.deviceCount }) else {
            throw CUDAError(
                call: "cuDeviceGet", code: CUDAStatus.invalidDevice, name: "CUDA_ERROR_INVALID_DEVICE",
                message: "invalid device ordinal")
        }
        return Int32(ordinal)
    }

    func deviceName(_ device: Int32) throws(CUDAError) -> String { state.withLock { $0.configuration.deviceName } }

    func deviceAttribute(_ attribute: CUDADeviceAttribute, of device: Int32) throws(CUDAError) -> Int {
        let configuration = state.withLock { $0.configuration }
        switch attribute {
        case .computeCapabilityMajor: return configuration.computeCapability.major
        case .computeCapabilityMinor: return configuration.computeCapability.minor
        case .multiprocessorCount: return 4
        case .maxThreadsPerBlock: return 1024
        }
    }

    func totalMemory(of device: Int32) throws(CUDAError) -> Int { 1 << 30 }

    func retainPrimaryContext(of device: Int32) throws(CUDAError) -> CUDAHandle {
        try check("cuDevicePrimaryCtxRetain")
        return Self.context
    }

    func currentContext() throws(CUDAError) -> CUDAHandle? {
        let key = Self.threadKey
        return state.withLock { $0.currentContexts[key] }
    }

    func setCurrentContext(_ context: CUDAHandle) throws(CUDAError) {
        let key = Self.threadKey
        state.withLock {
            $0.currentContexts[key] = context
            $0.contextSwitches += 1
        }
    }

    /// The context must be current on the calling thread for calls that need one.
    private func requireContext(_ call: String) throws(CUDAError) {
        guard try currentContext() == Self.context else {
            throw CUDAError(
                call: call, code: CUDAStatus.invalidContext, name: "CUDA_ERROR_INVALID_CONTEXT",
                message: "no current context on this thread")
        }
    }

    func loadModule(ptx: String) throws(CUDAError) -> CUDAHandle {
        try requireContext("cuModuleLoadDataEx")
        try check("cuModuleLoadDataEx")
        let names = PTXEntries.parse(ptx).map(\.name)
        state.withLock { $0.entryNames = Set(names) }
        return CUDAHandle(rawValue: 0x30)
    }

    func function(named name: String, in module: CUDAHandle) throws(CUDAError) -> CUDAHandle {
        let known = state.withLock { $0.entryNames.contains(name) }
        let emulated = (0..<dt_emu_kernel_count()).contains { String(cString: dt_emu_kernel_name($0)) == name }
        guard known, emulated else {
            throw CUDAError(
                call: "cuModuleGetFunction(\(name))", code: CUDAStatus.notFound, name: "CUDA_ERROR_NOT_FOUND",
                message: "named symbol not found")
        }
        return state.withLock { state in
            let handle = UInt(0x1000 + state.functionNames.count)
            state.functionNames[handle] = name
            return CUDAHandle(rawValue: handle)
        }
    }

    func createStream() throws(CUDAError) -> CUDAHandle { try check("cuStreamCreate"); return CUDAHandle(rawValue: 0x50) }
    func synchronize(_ stream: CUDAHandle) throws(CUDAError) {
        try requireContext("cuStreamSynchronize")
        try check("cuStreamSynchronize")
    }

    func allocate(byteCount: Int) throws(CUDAError) -> CUDADevicePointer {
        try requireContext("cuMemAlloc")
        try check("cuMemAlloc")
        let overLimit = state.withLock { $0.allocations.values.reduce(0, +) + byteCount > $0.configuration.memoryLimit }
        if overLimit {
            throw CUDAError(
                call: "cuMemAlloc", code: CUDAStatus.outOfMemory, name: "CUDA_ERROR_OUT_OF_MEMORY", message: "out of memory")
        }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 256)
        memory.initializeMemory(as: UInt8.self, repeating: 0xFF, count: byteCount)  // NaN floats
        let address = UInt64(UInt(bitPattern: memory))
        state.withLock { $0.allocations[address] = byteCount }
        return address
    }

    func free(_ pointer: CUDADevicePointer) throws(CUDAError) {
        try requireContext("cuMemFree")
        let known = state.withLock { $0.allocations.removeValue(forKey: pointer) != nil }
        guard known else {
            throw CUDAError(
                call: "cuMemFree", code: CUDAStatus.invalidValue, name: "CUDA_ERROR_INVALID_VALUE", message: "not allocated")
        }
        state.withLock { $0.frees += 1 }
        UnsafeMutableRawPointer(bitPattern: UInt(pointer))!.deallocate()
    }

    /// Checks that [address, address + bytes) lies inside one allocation.
    private func checkRange(_ address: CUDADevicePointer, _ bytes: Int, _ call: String) throws(CUDAError) {
        let inside = state.withLock { state in
            state.allocations.contains { base, size in address >= base && address + UInt64(bytes) <= base + UInt64(size) }
        }
        guard inside else {
            throw CUDAError(
                call: call, code: CUDAStatus.illegalAddress, name: "CUDA_ERROR_ILLEGAL_ADDRESS",
                message: "\(bytes) bytes at 0x\(String(address, radix: 16)) are outside every allocation")
        }
    }

    func copyHostToDevice(
        _ destination: CUDADevicePointer, from source: UnsafeRawPointer, byteCount: Int,
        stream: CUDAHandle
    ) throws(CUDAError) {
        try requireContext("cuMemcpyHtoDAsync")
        try checkRange(destination, byteCount, "cuMemcpyHtoDAsync")
        UnsafeMutableRawPointer(bitPattern: UInt(destination))!.copyMemory(from: source, byteCount: byteCount)
    }

    func copyDeviceToHost(
        _ destination: UnsafeMutableRawPointer, from source: CUDADevicePointer, byteCount: Int,
        stream: CUDAHandle
    ) throws(CUDAError) {
        try requireContext("cuMemcpyDtoHAsync")
        try checkRange(source, byteCount, "cuMemcpyDtoHAsync")
        destination.copyMemory(from: UnsafeRawPointer(bitPattern: UInt(source))!, byteCount: byteCount)
    }

    func copyDeviceToDevice(
        _ destination: CUDADevicePointer, from source: CUDADevicePointer, byteCount: Int,
        stream: CUDAHandle
    ) throws(CUDAError) {
        try requireContext("cuMemcpyDtoDAsync")
        try checkRange(source, byteCount, "cuMemcpyDtoDAsync")
        try checkRange(destination, byteCount, "cuMemcpyDtoDAsync")
        UnsafeMutableRawPointer(bitPattern: UInt(destination))!
            .copyMemory(from: UnsafeRawPointer(bitPattern: UInt(source))!, byteCount: byteCount)
    }

    func launch(
        _ function: CUDAHandle, grid: LaunchDimensions, block: LaunchDimensions, sharedMemoryBytes: Int,
        stream: CUDAHandle, parameters: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) throws(CUDAError) {
        try requireContext("cuLaunchKernel")
        try check("cuLaunchKernel")
        guard let name = state.withLock({ $0.functionNames[function.rawValue] }) else {
            throw CUDAError(
                call: "cuLaunchKernel", code: CUDAStatus.invalidValue, name: "CUDA_ERROR_INVALID_HANDLE",
                message: "unknown function")
        }
        state.withLock { $0.launches.append(LaunchRecord(kernel: name, grid: grid, block: block)) }
        var message = [CChar](repeating: 0, count: 512)
        let status = dt_emu_launch(
            name, dt_emu_dim3(x: grid.x, y: grid.y, z: grid.z),
            dt_emu_dim3(x: block.x, y: block.y, z: block.z), parameters, &message, Int32(message.count))
        guard status == 0 else {
            throw CUDAError(
                call: "cuLaunchKernel", code: CUDAStatus.launchFailed, name: "CUDA_ERROR_LAUNCH_FAILED",
                message: message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
    }
}
