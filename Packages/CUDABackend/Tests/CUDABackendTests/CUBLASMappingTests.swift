@testable import CUDABackend
import Testing
import TensorCore
@testable import TestKit

/// Row-major products expressed through column-major cuBLAS: checked with a host cuBLAS that
/// computes exactly what `cublasSgemmStridedBatched` is documented to compute.
@Suite struct CUBLASMappingTests {
    @Test(arguments: BackendConformanceCheck.gemmCases.filter { $0.k > 0 && $0.m * $0.n * $0.k * $0.batch < 200_000 })
    func gemmThroughCuBLASMatchesTheReference(_ d: GemmDescriptor) throws {
        let blas = HostCUBLAS()
        let device = try EmulatedDevice(blas: blas)
        #expect(device.backend.name.hasSuffix("cuBLAS)"))
        let (a, b, c) = BackendConformanceCheck.gemmInputs(d)
        let cBuffer = device.buffer(c)
        device.driver.clearLaunches()
        device.backend.gemm(d, a: device.buffer(a), b: device.buffer(b), c: cBuffer)
        #expect(blas.calls.count == 1)
        #expect(device.driver.launches.isEmpty, "the kernel ran although cuBLAS could")
        #expect(maxRelativeError(device.values(cBuffer), Reference.gemm(d, a: a, b: b, c: c)) < 1e-5)
    }

    @Test func convolutionThroughCuBLAS() throws {
        let blas = HostCUBLAS()
        let device = try EmulatedDevice(blas: blas)
        let g = BackendConformanceCheck.convCases[1]
        var values = DeterministicValues(seed: 11)
        let input = values.array(g.inputShape.reduce(1, *)), weight = values.array(g.weightShape.reduce(1, *))
        let output = device.backend.allocate(count: g.outputShape.reduce(1, *))
        device.backend.conv2dForward(g, input: device.buffer(input), weight: device.buffer(weight), into: output)
        #expect(maxRelativeError(device.values(output), Reference.convForward(g, input: input, weight: weight)) < 1e-5)
        #expect(blas.calls.count == 1)
    }

    @Test func theMappingSwapsOperandsForColumnMajor() throws {
        let d = GemmDescriptor(
            m: 3, n: 5, k: 4, transposeA: true, alpha: 2, beta: 1, batch: 2,
            batchStrideA: 12, batchStrideB: 20, batchStrideC: 15)
        let call = try #require(CUBLASGemmMapping.call(for: d, a: 100, b: 200, c: 300))
        #expect(
            call
                == CUBLASGemmCall(
                    transposeA: false, transposeB: true, m: 5, n: 3, k: 4, alpha: 2, beta: 1,
                    a: 200, lda: 5, strideA: 20, b: 100, ldb: 3, strideB: 12,
                    c: 300, ldc: 5, strideC: 15, batchCount: 2))
    }

    @Test func productsCuBLASCannotExpressFallBackToTheKernel() {
        // k == 0, and a leading dimension below the row length of a multi-row matrix.
        #expect(CUBLASGemmMapping.call(for: GemmDescriptor(m: 2, n: 2, k: 0), a: 0, b: 0, c: 0) == nil)
        #expect(CUBLASGemmMapping.call(for: GemmDescriptor(m: 2, n: 3, k: 4, lda: 3), a: 0, b: 0, c: 0) == nil)
        // A single-row A ignores its leading dimension: cuBLAS gets a valid one instead.
        let call = CUBLASGemmMapping.call(for: GemmDescriptor(m: 1, n: 3, k: 4, lda: 1), a: 0, b: 0, c: 0)
        #expect(call?.ldb == 4)
    }
}
