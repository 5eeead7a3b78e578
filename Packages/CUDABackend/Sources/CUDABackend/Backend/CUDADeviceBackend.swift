import Synchronization
import TensorCore

/// TensorCore's ``Backend`` on one NVIDIA GPU.
///
/// Created by the provider that ``CUDABackend/register()`` installs (or by
/// ``make(ordinal:driver:blas:)`` with an explicit driver). It holds the device's primary context,
/// which it makes current on every calling thread, one stream on which all work is queued in call
/// order, the kernel module (loaded when the backend is created, the first time the device is
/// asked for), a caching allocator and, when cuBLAS loads, a cuBLAS handle for SGEMM.
///
/// Host reads (``download(_:offset:into:)``) and ``synchronize()`` wait for the stream. A CUDA
/// error while running an operation (an illegal address, a launch failure) leaves the context
/// unusable, so it stops the process with the driver's message.
public final class CUDADeviceBackend: Backend {
    public let device: Device
    public let name: String
    /// What the driver reports about the GPU.
    public let properties: CUDADeviceProperties
    /// `"cuBLAS 120402 (libcublas.so.12)"` or why the built-in SGEMM kernel is used instead.
    public let gemmProvider: String

    let driver: any CUDADriverAPI
    let context: CUDAHandle
    let stream: CUDAHandle
    let module: CUDAHandle
    let allocator: CachingAllocator
    let blas: BLASHandle?
    private let functions = Mutex<[String: CUDAHandle]>([:])

    /// cuBLAS with the handle bound to this backend's stream; calls are serialised.
    final class BLASHandle: Sendable {
        let api: any CUBLASAPI
        let handle: CUDAHandle
        let lock = Mutex(())
        init(api: any CUBLASAPI, handle: CUDAHandle) { self.api = api; self.handle = handle }
    }

    private init(
        device: Device, properties: CUDADeviceProperties, driver: any CUDADriverAPI, context: CUDAHandle,
        stream: CUDAHandle, module: CUDAHandle, blas: BLASHandle?, gemmProvider: String
    ) {
        self.device = device
        self.properties = properties
        self.driver = driver
        self.context = context
        self.stream = stream
        self.module = module
        self.blas = blas
        self.gemmProvider = gemmProvider
        self.allocator = CachingAllocator(driver: driver)
        self.name =
            "CUDA \(device) (\(properties.name), sm_\(properties.computeCapabilityMajor)"
            + "\(properties.computeCapabilityMinor), \(blas == nil ? "built-in SGEMM" : "cuBLAS"))"
    }

    /// Sets up device `ordinal` over `driver`: initialises the driver, retains the primary context,
    /// loads the kernels' PTX, creates the stream and, when `blas` is given, a cuBLAS handle (a
    /// cuBLAS failure falls back to the built-in SGEMM kernel).
    ///
    /// - Throws: ``DeviceError/unavailable(_:reason:)`` with a reason starting "CUDA unavailable:"
    ///   when the driver fails, the device does not exist or is too old, or the driver cannot load
    ///   the PTX.
    public static func make(ordinal: Int, driver: any CUDADriverAPI, blas: (any CUBLASAPI)?)
        throws(DeviceError) -> CUDADeviceBackend
    {
        let device = Device.cuda(ordinal)
        var driverVersion: Int? = nil
        do {
            try driver.initialize()
            driverVersion = try? driver.driverVersion()
            let count = try driver.deviceCount()
            guard ordinal >= 0, ordinal < count else {
                throw DeviceError.unavailable(device, reason: CUDAUnavailability.noSuchDevice(ordinal: ordinal, count: count))
            }
            let handle = try driver.device(ordinal: ordinal)
            let properties = try CUDADeviceProperties.read(ordinal: ordinal, device: handle, driver: driver)
            guard properties.computeCapabilityMajor >= 8 else {
                throw DeviceError.unavailable(
                    device,
                    reason: CUDAUnavailability.computeCapabilityTooLow(
                        ordinal: ordinal, name: properties.name, major: properties.computeCapabilityMajor,
                        minor: properties.computeCapabilityMinor))
            }
            let context = try driver.retainPrimaryContext(of: handle)
            try driver.setCurrentContext(context)
            let module = try driver.loadModule(ptx: kernelsPTX)
            let stream = try driver.createStream()
            var blasHandle: BLASHandle? = nil
            var gemmProvider = "built-in SGEMM kernel (cuBLAS not loaded)"
            if let blas {
                do throws(CUDAError) {
                    let handle = try blas.createHandle()
                    try blas.setStream(stream, for: handle)
                    blasHandle = BLASHandle(api: blas, handle: handle)
                    let version = (try? blas.version(of: handle)).map { "\($0)" } ?? "unknown version"
                    gemmProvider = "cuBLAS \(version) (\(blas.libraryName))"
                } catch {
                    gemmProvider = "built-in SGEMM kernel (cuBLAS failed: \(error))"
                }
            }
            return CUDADeviceBackend(
                device: device, properties: properties, driver: driver, context: context,
                stream: stream, module: module, blas: blasHandle, gemmProvider: gemmProvider)
        } catch let error as CUDAError {
            throw .unavailable(device, reason: CUDAUnavailability.reason(error, driverVersion: driverVersion))
        } catch let error as DeviceError {
            throw error
        } catch {
            throw .unavailable(device, reason: CUDAUnavailability.prefix + "\(error)")
        }
    }

    // MARK: - Plumbing shared by the operations

    /// Stops the process: the context is unusable after a failed launch or copy.
    func fail(_ error: CUDAError, in operation: String) -> Never {
        fatalError("CUDABackend \(device): \(operation): \(error)")
    }

    /// Makes the device's context current on the calling thread (a no-op when it already is).
    func makeCurrent() {
        do throws(CUDAError) {
            if try driver.currentContext() != context { try driver.setCurrentContext(context) }
        } catch {
            fail(error, in: "making the context current")
        }
    }

    /// The kernel's function handle, looked up once.
    func function(_ signature: KernelSignature) -> CUDAHandle {
        if let cached = functions.withLock({ $0[signature.name] }) { return cached }
        do throws(CUDAError) {
            let function = try driver.function(named: signature.name, in: module)
            functions.withLock { $0[signature.name] = function }
            return function
        } catch {
            fail(error, in: "looking up kernel \(signature.name)")
        }
    }

    /// Queues one kernel launch on the stream.
    func launch(
        _ signature: KernelSignature, grid: LaunchDimensions, block: LaunchDimensions,
        _ arguments: [KernelArgument]
    ) {
        let function = self.function(signature)
        let packed = PackedKernelArguments(arguments, for: signature)
        do throws(CUDAError) {
            try packed.withParameterArray { (parameters) throws(CUDAError) in
                try driver.launch(
                    function, grid: grid, block: block, sharedMemoryBytes: 0, stream: stream,
                    parameters: parameters)
            }
        } catch {
            fail(error, in: "launching \(signature.name) grid \(grid) block \(block)")
        }
    }

    @inline(__always) func cuda(_ buffer: any DeviceBuffer) -> CUDABuffer {
        guard let buffer = buffer as? CUDABuffer else {
            fatalError("CUDABackend \(device): got a \(type(of: buffer)), not a buffer of this backend")
        }
        return buffer
    }

    /// A temporary device buffer of `count` elements (released to the cache when dropped).
    func scratch(count: Int) -> CUDABuffer {
        cuda(allocate(count: count))
    }

    /// Memory statistics of the caching allocator.
    var allocatorStatistics: CachingAllocator.Statistics { allocator.statistics }

    // MARK: - Memory

    public func allocate(count: Int) -> any DeviceBuffer {
        precondition(count >= 0, "allocate(count:) with negative count \(count)")
        guard count > 0 else { return CUDABuffer(count: 0, block: nil, allocator: allocator) }
        makeCurrent()
        do throws(CUDAError) {
            let block = try allocator.allocate(byteCount: count * MemoryLayout<Float>.stride)
            return CUDABuffer(count: count, block: block, allocator: allocator)
        } catch {
            fail(error, in: "allocating \(count) floats (\(count * 4) bytes)")
        }
    }

    public func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        guard let base = source.baseAddress, !source.isEmpty else { return }
        makeCurrent()
        do throws(CUDAError) {
            try driver.copyHostToDevice(
                cuda(buffer).address(at: offset), from: base,
                byteCount: source.count * MemoryLayout<Float>.stride, stream: stream)
            // The host memory may be freed as soon as this returns.
            try driver.synchronize(stream)
        } catch {
            fail(error, in: "upload of \(source.count) floats")
        }
    }

    public func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        guard let base = destination.baseAddress, !destination.isEmpty else { return }
        makeCurrent()
        do throws(CUDAError) {
            try driver.copyDeviceToHost(
                base, from: cuda(buffer).address(at: offset),
                byteCount: destination.count * MemoryLayout<Float>.stride, stream: stream)
            try driver.synchronize(stream)
        } catch {
            fail(error, in: "download of \(destination.count) floats")
        }
    }

    public func synchronize() {
        makeCurrent()
        do throws(CUDAError) { try driver.synchronize(stream) } catch { fail(error, in: "synchronize") }
    }

    /// Returns the allocator's cached blocks to the driver (after finishing queued work).
    public func emptyCache() {
        synchronize()
        do throws(CUDAError) { try allocator.emptyCache() } catch { fail(error, in: "emptyCache") }
    }
}
