import DeepTrustSystem

/// The cuBLAS functions the backend uses for SGEMM. cuBLAS is column-major; the backend maps its
/// row-major products onto it (see ``CUBLASGemmMapping``).
///
/// Implementations must be safe to call from several threads for distinct handles; the backend
/// serialises calls on one handle.
public protocol CUBLASAPI: AnyObject, Sendable {
    /// What was loaded, e.g. `"libcublas.so.12"`.
    var libraryName: String { get }
    /// `cublasCreate_v2` in the calling thread's current context.
    func createHandle() throws(CUDAError) -> CUDAHandle
    /// `cublasSetStream_v2`.
    func setStream(_ stream: CUDAHandle, for handle: CUDAHandle) throws(CUDAError)
    /// `cublasGetVersion_v2`, e.g. 120402 for 12.4.2.
    func version(of handle: CUDAHandle) throws(CUDAError) -> Int
    /// `cublasSgemmStridedBatched` with host-side alpha and beta (column-major operands).
    func sgemmStridedBatched(_ handle: CUDAHandle, _ call: CUBLASGemmCall) throws(CUDAError)
}

/// The arguments of one `cublasSgemmStridedBatched` call (column-major, as cuBLAS sees them).
public struct CUBLASGemmCall: Hashable, Sendable {
    /// Whether cuBLAS transposes A (`CUBLAS_OP_T`) and B.
    public var transposeA: Bool, transposeB: Bool
    /// `C` is `m × n`; the inner dimension is `k` (column-major, after the transposes).
    public var m: Int32, n: Int32, k: Int32
    /// `C ← alpha · op(A) · op(B) + beta · C`.
    public var alpha: Float, beta: Float
    /// Device address of A, its leading dimension and the elements between consecutive batch matrices.
    public var a: CUDADevicePointer, lda: Int32, strideA: Int64
    /// The same for B.
    public var b: CUDADevicePointer, ldb: Int32, strideB: Int64
    /// The same for C (written).
    public var c: CUDADevicePointer, ldc: Int32, strideC: Int64
    /// Number of matrix products.
    public var batchCount: Int32
}

/// cuBLAS bound at run time (`libcublas.so.13`, then `.12`, then `libcublas.so`).
///
/// `@unchecked Sendable`: the stored function pointers are set once in `init` and point into a
/// library that is never unloaded.
public final class CUBLASLibrary: CUBLASAPI, @unchecked Sendable {
    public let libraryName: String
    private typealias Status = Int32
    private let cublasCreate: @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Status
    private let cublasSetStream: @convention(c) (OpaquePointer?, OpaquePointer?) -> Status
    private let cublasGetVersion: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>) -> Status
    private let cublasSgemmStridedBatched:
        @convention(c) (
            OpaquePointer?, Int32, Int32, Int32, Int32, Int32,
            UnsafePointer<Float>, UInt64, Int32, Int64, UInt64, Int32, Int64,
            UnsafePointer<Float>, UInt64, Int32, Int64, Int32
        ) -> Status

    /// Opens cuBLAS; `DEEPTRUST_CUBLAS` (a path or file name) is tried first when set.
    ///
    /// - Throws: ``LibraryLoadError/libraryNotFound(candidates:messages:)`` when no candidate loads,
    ///   ``LibraryLoadError/symbolMissing(library:symbol:)`` when the library lacks a function.
    public static func load(candidates: [String] = ["libcublas.so.13", "libcublas.so.12", "libcublas.so"])
        throws(LibraryLoadError) -> CUBLASLibrary
    {
        var names = candidates
        if let override = environmentVariable("DEEPTRUST_CUBLAS"), !override.isEmpty { names.insert(override, at: 0) }
        return try CUBLASLibrary(library: DynamicLibrary(firstOf: names))
    }

    private init(library: DynamicLibrary) throws(LibraryLoadError) {
        libraryName = library.name
        cublasCreate = try library.function("cublasCreate_v2", as: type(of: cublasCreate))
        cublasSetStream = try library.function("cublasSetStream_v2", as: type(of: cublasSetStream))
        cublasGetVersion = try library.function("cublasGetVersion_v2", as: type(of: cublasGetVersion))
        cublasSgemmStridedBatched = try library.function("cublasSgemmStridedBatched", as: type(of: cublasSgemmStridedBatched))
    }

    private func check(_ status: Status, _ call: String) throws(CUDAError) {
        guard status != 0 else { return }
        let names: [Int32: String] = [
            1: "CUBLAS_STATUS_NOT_INITIALIZED", 3: "CUBLAS_STATUS_ALLOC_FAILED",
            7: "CUBLAS_STATUS_INVALID_VALUE", 8: "CUBLAS_STATUS_ARCH_MISMATCH",
            11: "CUBLAS_STATUS_MAPPING_ERROR", 13: "CUBLAS_STATUS_EXECUTION_FAILED",
            14: "CUBLAS_STATUS_INTERNAL_ERROR", 15: "CUBLAS_STATUS_NOT_SUPPORTED",
            16: "CUBLAS_STATUS_LICENSE_ERROR",
        ]
        throw CUDAError(call: call, code: status, name: names[status] ?? "CUBLAS_STATUS_\(status)", message: "cuBLAS error")
    }

    public func createHandle() throws(CUDAError) -> CUDAHandle {
        var handle: OpaquePointer? = nil
        try check(cublasCreate(&handle), "cublasCreate_v2")
        return CUDAHandle(rawValue: UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle))))
    }

    public func setStream(_ stream: CUDAHandle, for handle: CUDAHandle) throws(CUDAError) {
        try check(
            cublasSetStream(OpaquePointer(bitPattern: handle.rawValue), OpaquePointer(bitPattern: stream.rawValue)),
            "cublasSetStream_v2")
    }

    public func version(of handle: CUDAHandle) throws(CUDAError) -> Int {
        var version: Int32 = 0
        try check(cublasGetVersion(OpaquePointer(bitPattern: handle.rawValue), &version), "cublasGetVersion_v2")
        return Int(version)
    }

    public func sgemmStridedBatched(_ handle: CUDAHandle, _ call: CUBLASGemmCall) throws(CUDAError) {
        var alpha = call.alpha, beta = call.beta
        // cublasOperation_t: CUBLAS_OP_N = 0, CUBLAS_OP_T = 1.
        let status = cublasSgemmStridedBatched(
            OpaquePointer(bitPattern: handle.rawValue), call.transposeA ? 1 : 0, call.transposeB ? 1 : 0,
            call.m, call.n, call.k, &alpha, call.a, call.lda, call.strideA, call.b, call.ldb, call.strideB,
            &beta, call.c, call.ldc, call.strideC, call.batchCount)
        try check(status, "cublasSgemmStridedBatched")
    }
}
