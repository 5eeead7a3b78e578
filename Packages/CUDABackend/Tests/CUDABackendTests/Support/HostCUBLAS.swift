@testable import CUDABackend
import Synchronization

/// cuBLAS's `cublasSgemmStridedBatched` computed on the host, column-major as cuBLAS defines it,
/// for the emulating driver (whose device pointers are host addresses). It checks the argument
/// rules cuBLAS checks (leading dimensions) and records every call.
final class HostCUBLAS: CUBLASAPI {
    let libraryName = "host cuBLAS"
    private let failCreate: Bool
    private let recorded = Mutex<[CUBLASGemmCall]>([])

    init(failCreate: Bool = false) { self.failCreate = failCreate }

    var calls: [CUBLASGemmCall] { recorded.withLock { $0 } }

    func createHandle() throws(CUDAError) -> CUDAHandle {
        if failCreate {
            throw CUDAError(call: "cublasCreate_v2", code: 1, name: "CUBLAS_STATUS_NOT_INITIALIZED", message: "cuBLAS error")
        }
        return CUDAHandle(rawValue: 0xB1A5)
    }

    func setStream(_ stream: CUDAHandle, for handle: CUDAHandle) throws(CUDAError) {}
    func version(of handle: CUDAHandle) throws(CUDAError) -> Int { 120_000 }

    func sgemmStridedBatched(_ handle: CUDAHandle, _ c: CUBLASGemmCall) throws(CUDAError) {
        recorded.withLock { $0.append(c) }
        let rowsA = c.transposeA ? c.k : c.m, rowsB = c.transposeB ? c.n : c.k
        guard c.lda >= max(1, rowsA), c.ldb >= max(1, rowsB), c.ldc >= max(1, c.m) else {
            throw CUDAError(
                call: "cublasSgemmStridedBatched", code: 7, name: "CUBLAS_STATUS_INVALID_VALUE", message: "cuBLAS error")
        }
        let a = UnsafePointer<Float>(bitPattern: UInt(c.a))!
        let b = UnsafePointer<Float>(bitPattern: UInt(c.b))!
        let out = UnsafeMutablePointer<Float>(bitPattern: UInt(c.c))!
        for batch in 0..<Int(c.batchCount) {
            let (pa, pb, pc) = (a + batch * Int(c.strideA), b + batch * Int(c.strideB), out + batch * Int(c.strideC))
            for j in 0..<Int(c.n) {
                for i in 0..<Int(c.m) {
                    var sum: Float = 0
                    for l in 0..<Int(c.k) {
                        // Column-major: element (r, col) of a matrix with leading dimension ld is at col · ld + r.
                        let av = c.transposeA ? pa[i * Int(c.lda) + l] : pa[l * Int(c.lda) + i]
                        let bv = c.transposeB ? pb[l * Int(c.ldb) + j] : pb[j * Int(c.ldb) + l]
                        sum += av * bv
                    }
                    let index = j * Int(c.ldc) + i
                    pc[index] = c.beta == 0 ? c.alpha * sum : c.alpha * sum + c.beta * pc[index]
                }
            }
        }
    }
}
