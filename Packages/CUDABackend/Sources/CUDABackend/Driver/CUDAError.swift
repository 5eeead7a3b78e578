/// A failed CUDA driver or cuBLAS call: the function, its status code and the library's own
/// description, plus details such as the PTX loader's log.
///
/// A struct rather than an enum of statuses: the code is a `CUresult` or `cublasStatus_t` from an
/// open set that grows with every driver release, so the error records the number and the name and
/// message the library gives for it. ``CUDAStatus`` names the codes the backend treats specially;
/// compare ``code`` with those. The ``description`` names the call, e.g.
/// `cuModuleLoadDataEx failed: CUDA_ERROR_UNSUPPORTED_PTX_VERSION (222): the provided PTX was
/// compiled with an unsupported toolchain.`.
public struct CUDAError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The library function that failed, e.g. `"cuModuleLoadDataEx"`.
    public var call: String
    /// The `CUresult` (or `cublasStatus_t`) value.
    public var code: Int32
    /// The status name, e.g. `"CUDA_ERROR_UNSUPPORTED_PTX_VERSION"`.
    public var name: String
    /// The library's explanation of the status.
    public var message: String
    /// Extra context (the JIT error log of a module load), empty when there is none.
    public var detail: String

    /// An error of `call` with status `code` (named `name`, explained by `message`).
    public init(call: String, code: Int32, name: String, message: String, detail: String = "") {
        self.call = call; self.code = code; self.name = name; self.message = message; self.detail = detail
    }

    public var description: String {
        "\(call) failed: \(name) (\(code)): \(message)" + (detail.isEmpty ? "" : "; \(detail)")
    }
}

/// Driver status codes the backend treats specially (values of `CUresult` in cuda.h).
public enum CUDAStatus {
    /// `CUDA_SUCCESS`.
    public static let success: Int32 = 0
    /// `CUDA_ERROR_INVALID_VALUE`.
    public static let invalidValue: Int32 = 1
    /// `CUDA_ERROR_OUT_OF_MEMORY`.
    public static let outOfMemory: Int32 = 2
    /// `CUDA_ERROR_NOT_INITIALIZED`.
    public static let notInitialized: Int32 = 3
    /// `CUDA_ERROR_STUB_LIBRARY`: the CUDA toolkit's stub `libcuda`, not a driver.
    public static let stubLibrary: Int32 = 34
    /// `CUDA_ERROR_NO_DEVICE`.
    public static let noDevice: Int32 = 100
    /// `CUDA_ERROR_INVALID_DEVICE`.
    public static let invalidDevice: Int32 = 101
    /// `CUDA_ERROR_INVALID_IMAGE`.
    public static let invalidImage: Int32 = 200
    /// `CUDA_ERROR_INVALID_CONTEXT`.
    public static let invalidContext: Int32 = 201
    /// `CUDA_ERROR_NO_BINARY_FOR_GPU`.
    public static let noBinaryForGPU: Int32 = 209
    /// `CUDA_ERROR_INVALID_PTX`.
    public static let invalidPTX: Int32 = 218
    /// `CUDA_ERROR_JIT_COMPILER_NOT_FOUND`.
    public static let jitCompilerNotFound: Int32 = 221
    /// `CUDA_ERROR_UNSUPPORTED_PTX_VERSION`: the driver is older than the PTX.
    public static let unsupportedPTXVersion: Int32 = 222
    /// `CUDA_ERROR_NOT_FOUND (e.g. a kernel name)`.
    public static let notFound: Int32 = 500
    /// `CUDA_ERROR_ILLEGAL_ADDRESS`.
    public static let illegalAddress: Int32 = 700
    /// `CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES`.
    public static let launchOutOfResources: Int32 = 701
    /// `CUDA_ERROR_LAUNCH_FAILED`.
    public static let launchFailed: Int32 = 719
    /// `CUDA_ERROR_SYSTEM_DRIVER_MISMATCH`: kernel module and `libcuda` versions differ.
    public static let systemDriverMismatch: Int32 = 803
    /// `CUDA_ERROR_UNKNOWN`.
    public static let unknown: Int32 = 999

    /// Names of the codes above, for drivers (such as test fakes) that cannot name their own errors.
    public static func fallbackName(_ code: Int32) -> String {
        switch code {
        case success: return "CUDA_SUCCESS"
        case invalidValue: return "CUDA_ERROR_INVALID_VALUE"
        case outOfMemory: return "CUDA_ERROR_OUT_OF_MEMORY"
        case notInitialized: return "CUDA_ERROR_NOT_INITIALIZED"
        case stubLibrary: return "CUDA_ERROR_STUB_LIBRARY"
        case noDevice: return "CUDA_ERROR_NO_DEVICE"
        case invalidDevice: return "CUDA_ERROR_INVALID_DEVICE"
        case invalidImage: return "CUDA_ERROR_INVALID_IMAGE"
        case invalidContext: return "CUDA_ERROR_INVALID_CONTEXT"
        case noBinaryForGPU: return "CUDA_ERROR_NO_BINARY_FOR_GPU"
        case invalidPTX: return "CUDA_ERROR_INVALID_PTX"
        case jitCompilerNotFound: return "CUDA_ERROR_JIT_COMPILER_NOT_FOUND"
        case unsupportedPTXVersion: return "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"
        case notFound: return "CUDA_ERROR_NOT_FOUND"
        case illegalAddress: return "CUDA_ERROR_ILLEGAL_ADDRESS"
        case launchOutOfResources: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"
        case launchFailed: return "CUDA_ERROR_LAUNCH_FAILED"
        case systemDriverMismatch: return "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"
        default: return "CUDA_ERROR_\(code)"
        }
    }
}
