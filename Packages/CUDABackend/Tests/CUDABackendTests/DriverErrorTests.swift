@testable import CUDABackend
import TensorCore
import Testing

/// A driver error while running operations (a failed launch, a kernel fault reported at the next
/// synchronisation) is recorded with the call and its `CUresult`, thrown as a `TensorError` inside
/// a checking scope, and stops all further work on the device; the process goes on.
@Suite struct DriverErrorTests {
    @Test func aFailedLaunchIsThrownInsideACheckingScopeNamingTheCallAndStatus() throws {
        let device = try EmulatedDevice()
        let buffer = device.buffer([1, 2, 3])
        device.driver.setFailure("cuLaunchKernel", CUDAStatus.launchFailed)
        do {
            try withTensorChecking { device.backend.fill(buffer, offset: 0, count: 3, value: 7) }
            Issue.record("the failed launch was not thrown")
        } catch let error as TensorError {
            #expect(error.op == "CUDA cuda:0")
            #expect(error.message.contains("launching dt_fill"))
            #expect(error.message.contains("cuLaunchKernel failed: CUDA_ERROR_LAUNCH_FAILED (719)"))
        }
        let recorded = try #require(device.backend.firstError)
        #expect(recorded.call == "cuLaunchKernel")
        #expect(recorded.code == CUDAStatus.launchFailed)
        #expect(recorded.detail.contains("launching dt_fill"))
    }

    /// A faulting kernel is reported by the driver at the next synchronisation, here a download.
    @Test func anAsynchronousFaultSurfacesAtTheNextDownload() throws {
        let device = try EmulatedDevice()
        let buffer = device.buffer([1, 2, 3])
        device.backend.fill(buffer, offset: 0, count: 3, value: 7)
        device.driver.setFailure("cuStreamSynchronize", CUDAStatus.illegalAddress)
        var values: [Float] = []
        #expect(throws: TensorError.self) { try withTensorChecking { values = device.values(buffer) } }
        #expect(values.count == 3 && values.allSatisfy(\.isNaN), "a failed download must not look like data")
        #expect(device.backend.firstError?.call == "cuStreamSynchronize")
        #expect(device.backend.firstError?.name == "CUDA_ERROR_ILLEGAL_ADDRESS")
    }

    /// After a failure the context is unusable: nothing more is queued, and every later checking
    /// scope that uses the device learns of the first error; checkForErrors() throws it as is.
    @Test func laterOperationsAreNotRunAndReportTheFirstError() throws {
        let device = try EmulatedDevice()
        let buffer = device.buffer([1, 2, 3])
        device.driver.setFailure("cuLaunchKernel", CUDAStatus.launchFailed)
        _ = try? withTensorChecking { device.backend.fill(buffer, offset: 0, count: 3, value: 7) }
        device.driver.setFailure("cuLaunchKernel", nil)
        device.driver.clearLaunches()
        do {
            try withTensorChecking { device.backend.fill(buffer, offset: 0, count: 3, value: 8) }
            Issue.record("an operation on a failed device was not reported")
        } catch let error as TensorError {
            #expect(error.message.contains("fill: not run, the device failed earlier"))
            #expect(error.message.contains("CUDA_ERROR_LAUNCH_FAILED (719)"))
        }
        #expect(device.driver.launches.isEmpty)
        #expect(throws: CUDAError.self) { try device.backend.checkForErrors() }
        do {
            try device.backend.checkForErrors()
        } catch {
            #expect(error.call == "cuLaunchKernel" && error.code == CUDAStatus.launchFailed)
        }
    }

    /// Tensor code (what a trainer runs inside its checking scope) gets the same thrown error.
    @Test func tensorOperationsThrowTheDriverError() throws {
        let device = try EmulatedDevice()
        let x = device.tensor([4], [1, 2, 3, 4])
        device.driver.setFailure("cuLaunchKernel", CUDAStatus.illegalAddress)
        do {
            _ = try withTensorChecking { (x * x).sum().scalars }
            Issue.record("the failed launch was not thrown")
        } catch let error as TensorError {
            #expect(error.description.contains("cuLaunchKernel failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)"))
        }
    }

    @Test func aHealthyBackendHasNoErrorToReport() throws {
        let device = try EmulatedDevice()
        let buffer = device.buffer([1, 2])
        device.backend.fill(buffer, offset: 0, count: 2, value: 1)
        try device.backend.checkForErrors()
        #expect(device.backend.firstError == nil)
    }
}
