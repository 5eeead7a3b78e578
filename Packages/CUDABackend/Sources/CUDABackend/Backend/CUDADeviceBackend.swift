import DeepTrustSystem
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
/// Host reads (``download(_:offset:into:)``) and ``synchronize()`` wait for the stream.
///
/// A CUDA error while running an operation (an illegal address, a launch failure) leaves the
/// context unusable. The backend then records the first failed call as ``firstError``, writes it
/// to standard error at once (after flushing standard output), stops queueing work (later
/// operations do nothing, downloads yield NaN) and reports each operation as a tensor failure the
/// way TensorCore reports misuse: inside `withTensorChecking { … }` the first one is thrown as a
/// `TensorError` whose message names the driver call and its `CUresult`; outside a checking scope
/// it stops the process with that message. ``checkForErrors()`` synchronises and throws the
/// recorded ``CUDAError`` itself. A faulting kernel is reported by the driver only at the next
/// synchronisation (a download, ``synchronize()``); run with `CUDA_LAUNCH_BLOCKING=1` to have it
/// reported by the launch that caused it.
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
    private let failure = Mutex<CUDAError?>(nil)

    /// The first driver or cuBLAS call that failed while running an operation, with the operation
    /// in its ``CUDAError/detail``; `nil` while the backend is healthy. Once set, the backend
    /// queues no more work.
    public var firstError: CUDAError? { failure.withLock { $0 } }

    /// Waits for all queued work, then throws the first error recorded (see ``firstError``).
    ///
    /// The place to surface a failure in code that runs operations outside a checking scope or
    /// wants the ``CUDAError`` itself rather than a `TensorError`.
    ///
    /// - Throws: ``CUDAError`` of the first failed call (the synchronisation itself included).
    public func checkForErrors() throws(CUDAError) {
        if let error = firstError { throw error }
        do throws(CUDAError) {
            if try driver.currentContext() != context { try driver.setCurrentContext(context) }
            try driver.synchronize(stream)
        } catch {
            record(error, in: "checkForErrors (synchronize)")
        }
        if let error = firstError { throw error }
    }

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

    /// Records `error` as ``firstError`` (when it is the first) and writes it to standard error
    /// right away, so the call and its status are never lost, whatever happens next.
    private func record(_ error: CUDAError, in operation: String) {
        var located = error
        located.detail = (error.detail.isEmpty ? "" : error.detail + "; ") + "during \(operation) on \(device)"
        let isFirst = failure.withLock { first in
            guard first == nil else { return false }
            first = located
            return true
        }
        guard isFirst else { return }
        fflush(nil)
        let line = "CUDABackend \(device): \(located)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// Records a failed call of `operation` and reports it as a tensor failure (thrown inside a
    /// checking scope, fatal outside one, after the message was written and flushed).
    func fail(_ error: CUDAError, in operation: String) {
        record(error, in: operation)
        reportTensorFailure(TensorError(op: "CUDA \(device)", "\(operation): \(error)"))
    }

    /// Whether operations may queue work: false after a failure, which is then reported again
    /// for the operation `operation` (so that every checking scope that uses the backend learns of it).
    func isUsable(for operation: @autoclosure () -> String) -> Bool {
        guard let error = firstError else { return true }
        reportTensorFailure(
            TensorError(op: "CUDA \(device)", "\(operation()): not run, the device failed earlier: \(error)"))
        return false
    }

    /// Makes the device's context current on the calling thread (a no-op when it already is) and
    /// tells whether the operation may run (see ``isUsable(for:)``).
    func begin(_ operation: @autoclosure () -> String) -> Bool {
        guard isUsable(for: operation()) else { return false }
        do throws(CUDAError) {
            if try driver.currentContext() != context { try driver.setCurrentContext(context) }
            return true
        } catch {
            fail(error, in: "making the context current for \(operation())")
            return false
        }
    }

    /// The kernel's function handle, looked up once; `nil` after a failure (recorded and reported).
    func function(_ signature: KernelSignature) -> CUDAHandle? {
        if let cached = functions.withLock({ $0[signature.name] }) { return cached }
        do throws(CUDAError) {
            let function = try driver.function(named: signature.name, in: module)
            functions.withLock { $0[signature.name] = function }
            return function
        } catch {
            fail(error, in: "looking up kernel \(signature.name)")
            return nil
        }
    }

    /// Queues one kernel launch on the stream; nothing once the backend has failed (the failure
    /// was reported by the operation's ``begin(_:)`` or by the call that failed).
    func launch(
        _ signature: KernelSignature, grid: LaunchDimensions, block: LaunchDimensions,
        _ arguments: [KernelArgument]
    ) {
        guard firstError == nil, let function = self.function(signature) else { return }
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
        let empty = CUDABuffer(count: count, block: nil, allocator: allocator)
        guard count > 0, begin("allocating \(count) floats") else { return empty }
        do throws(CUDAError) {
            let block = try allocator.allocate(byteCount: count * MemoryLayout<Float>.stride)
            return CUDABuffer(count: count, block: block, allocator: allocator)
        } catch {
            fail(error, in: "allocating \(count) floats (\(count * 4) bytes)")
            return empty
        }
    }

    public func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        guard let base = source.baseAddress, !source.isEmpty, begin("upload of \(source.count) floats") else { return }
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

    /// Copies device values to the host, waiting for the queued work first. After a failure
    /// (see ``firstError``) the destination is filled with NaN instead.
    public func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        guard let base = destination.baseAddress, !destination.isEmpty else { return }
        guard begin("download of \(destination.count) floats") else {
            destination.update(repeating: .nan)
            return
        }
        do throws(CUDAError) {
            try driver.copyDeviceToHost(
                base, from: cuda(buffer).address(at: offset),
                byteCount: destination.count * MemoryLayout<Float>.stride, stream: stream)
            try driver.synchronize(stream)
        } catch {
            destination.update(repeating: .nan)
            fail(error, in: "download of \(destination.count) floats")
        }
    }

    public func synchronize() {
        guard begin("synchronize") else { return }
        do throws(CUDAError) { try driver.synchronize(stream) } catch { fail(error, in: "synchronize") }
    }

    /// Returns the allocator's cached blocks to the driver (after finishing queued work).
    public func emptyCache() {
        synchronize()
        guard firstError == nil else { return }
        do throws(CUDAError) { try allocator.emptyCache() } catch { fail(error, in: "emptyCache") }
    }
}
