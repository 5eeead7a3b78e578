import CNCCLTypes
import DeepTrustSystem
import Distributed

/// The NCCL functions ``NCCLCommunicator`` calls, as C function pointers with nccl.h's signatures.
///
/// ``load(candidates:)`` binds them in `libnccl.so.2` with `dlopen`/`dlsym`; tests fill the table
/// with Swift implementations (C-compatible closures over emulated device memory), so everything
/// above the table — argument marshalling, the id exchange, error mapping, the data path — runs
/// the same code in both cases.
///
/// Types as in nccl.h: `ncclResult_t`, `ncclDataType_t` and `ncclRedOp_t` are C enums (`Int32`),
/// `ncclComm_t` and `cudaStream_t` opaque pointers, device buffers `void *` (a `CUdeviceptr`'s
/// bits), counts `size_t` (`Int`).
///
/// `@unchecked Sendable`: C function pointers are immutable values; NCCL's functions may be called
/// from any thread (one thread per communicator at a time, which ``NCCLCommunicator`` ensures).
struct NCCLFunctions: @unchecked Sendable {
    typealias Comm = OpaquePointer
    /// `ncclResult_t ncclGetUniqueId(ncclUniqueId *uniqueId)`.
    var getUniqueId: @convention(c) (UnsafeMutablePointer<dt_nccl_unique_id>?) -> Int32
    /// `ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank)`.
    var commInitRank: @convention(c) (UnsafeMutablePointer<Comm?>?, Int32, dt_nccl_unique_id, Int32) -> Int32
    /// `ncclResult_t ncclAllReduce(const void *sendbuff, void *recvbuff, size_t count,
    /// ncclDataType_t datatype, ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream)`.
    var allReduce: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Int32, Comm?, OpaquePointer?) -> Int32
    /// `ncclResult_t ncclBroadcast(const void *sendbuff, void *recvbuff, size_t count,
    /// ncclDataType_t datatype, int root, ncclComm_t comm, cudaStream_t stream)`.
    var broadcast: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Int32, Comm?, OpaquePointer?) -> Int32
    /// `ncclResult_t ncclAllGather(const void *sendbuff, void *recvbuff, size_t sendcount,
    /// ncclDataType_t datatype, ncclComm_t comm, cudaStream_t stream)`.
    var allGather: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Comm?, OpaquePointer?) -> Int32
    /// `ncclResult_t ncclCommDestroy(ncclComm_t comm)`.
    var commDestroy: @convention(c) (Comm?) -> Int32
    /// `ncclResult_t ncclCommAbort(ncclComm_t comm)`.
    var commAbort: @convention(c) (Comm?) -> Int32
    /// `ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *asyncError)`.
    var commGetAsyncError: @convention(c) (Comm?, UnsafeMutablePointer<Int32>?) -> Int32
    /// `const char *ncclGetErrorString(ncclResult_t result)`.
    var getErrorString: @convention(c) (Int32) -> UnsafePointer<CChar>?
    /// `ncclResult_t ncclGetVersion(int *version)`: e.g. 22105 for 2.21.5.
    var getVersion: @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32

    /// `ncclDataType_t` values.
    enum DataType: Int32 {
        case uint8 = 1
        case float32 = 7
        case float64 = 8
    }

    /// `ncclRedOp_t` `ncclSum`.
    static let sum: Int32 = 0

    /// `ncclResult_t` names, for messages (nccl.h, NCCL 2.x).
    static let resultNames: [Int32: String] = [
        0: "ncclSuccess", 1: "ncclUnhandledCudaError", 2: "ncclSystemError", 3: "ncclInternalError",
        4: "ncclInvalidArgument", 5: "ncclInvalidUsage", 6: "ncclRemoteError", 7: "ncclInProgress",
    ]

    /// The library names tried, in order (after `DEEPTRUST_NCCL` when set).
    static let candidates = ["libnccl.so.2", "libnccl.so"]

    /// What was opened, e.g. `"libnccl.so.2"`.
    var libraryName: String

    /// Opens NCCL and binds every function; `DEEPTRUST_NCCL` (a file name or path) is tried first.
    /// - Throws: ``DistributedError/libraryNotFound(tried:hint:)`` naming every candidate and the
    ///   loader's message, ``DistributedError/symbolMissing(library:symbol:)`` for a library without
    ///   one of the functions (older than NCCL 2.4, or not NCCL).
    static func load(candidates: [String] = candidates) throws(DistributedError) -> NCCLFunctions {
        var names = candidates
        if let override = environmentVariable("DEEPTRUST_NCCL"), !override.isEmpty { names.insert(override, at: 0) }
        let library: DynamicLibrary
        do {
            library = try DynamicLibrary(firstOf: names)
        } catch {
            guard case .libraryNotFound(let tried, let messages) = error else {
                throw .libraryNotFound(tried: names, hint: "\(error)")
            }
            throw .libraryNotFound(
                tried: zip(tried, messages).map { "\($0): \($1)" },
                hint:
                    "Install NCCL 2 (libnccl2, from NVIDIA's CUDA repository) on every GPU host, or set DEEPTRUST_NCCL to its path."
            )
        }
        do throws(LibraryLoadError) {
            return NCCLFunctions(
                getUniqueId: try library.function(
                    "ncclGetUniqueId", as: (@convention(c) (UnsafeMutablePointer<dt_nccl_unique_id>?) -> Int32).self),
                commInitRank: try library.function(
                    "ncclCommInitRank",
                    as: (@convention(c) (UnsafeMutablePointer<Comm?>?, Int32, dt_nccl_unique_id, Int32) -> Int32).self),
                allReduce: try library.function(
                    "ncclAllReduce",
                    as: (@convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Int32, Comm?, OpaquePointer?) ->
                        Int32).self),
                broadcast: try library.function(
                    "ncclBroadcast",
                    as: (@convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Int32, Comm?, OpaquePointer?) ->
                        Int32).self),
                allGather: try library.function(
                    "ncclAllGather",
                    as: (@convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Comm?, OpaquePointer?) -> Int32)
                        .self),
                commDestroy: try library.function("ncclCommDestroy", as: (@convention(c) (Comm?) -> Int32).self),
                commAbort: try library.function("ncclCommAbort", as: (@convention(c) (Comm?) -> Int32).self),
                commGetAsyncError: try library.function(
                    "ncclCommGetAsyncError", as: (@convention(c) (Comm?, UnsafeMutablePointer<Int32>?) -> Int32).self),
                getErrorString: try library.function(
                    "ncclGetErrorString", as: (@convention(c) (Int32) -> UnsafePointer<CChar>?).self),
                getVersion: try library.function(
                    "ncclGetVersion", as: (@convention(c) (UnsafeMutablePointer<Int32>?) -> Int32).self),
                libraryName: library.name)
        } catch {
            guard case .symbolMissing(let name, let symbol) = error else {
                throw .libraryNotFound(tried: names, hint: "\(error)")
            }
            throw .symbolMissing(library: name, symbol: symbol)
        }
    }

    /// The error of `operation` for status `code`: NCCL's name and explanation of the code.
    func failure(_ operation: String, _ code: Int32) -> DistributedError {
        let name = Self.resultNames[code] ?? "ncclResult \(code)"
        let text = getErrorString(code).map { String(cString: $0) } ?? "no description"
        return .engineFailure(operation: operation, code: code, message: "\(name): \(text)")
    }

    /// Throws ``failure(_:_:)`` unless `code` is `ncclSuccess`.
    func check(_ operation: String, _ code: Int32) throws(DistributedError) {
        guard code != 0 else { return }
        throw failure(operation, code)
    }
}
