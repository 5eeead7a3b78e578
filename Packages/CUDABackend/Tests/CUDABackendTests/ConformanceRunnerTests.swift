@testable import CUDABackend
import TensorCore
import Testing
@testable import TestKit

/// The conformance check as cuda-check runs it: one case picked by name (what a rerun does), and
/// a device error that ends the run as a failed case naming the driver call, not as a crash.
@Suite struct ConformanceRunnerTests {
    @Test func caseNamesAreUniqueAndIncludeTheExactAdamCase() {
        let names = BackendConformanceCheck.caseNames
        #expect(Set(names).count == names.count)
        #expect(names.contains("adam step (L2 decay) identical"))
        #expect(names.contains("unary sqrt"))
    }

    @Test func oneCaseRunsAloneByName() throws {
        let device = try EmulatedDevice()
        let outcomes = BackendConformanceCheck.run(on: device.backend, only: { $0 == "select" })
        #expect(outcomes.map(\.name) == ["select"])
        #expect(outcomes.first?.passed == true)
    }

    @Test func aDeviceErrorFailsTheCaseAndEndsTheRun() throws {
        let device = try EmulatedDevice()
        device.driver.setFailure("cuLaunchKernel", CUDAStatus.illegalAddress)
        var seen: [String] = []
        let outcomes = BackendConformanceCheck.run(
            on: device.backend, only: { $0 == "select" || $0 == "fill + strided copy" }, progress: { seen.append($0.name) })
        #expect(outcomes.count == 1, "the run goes on after the device failed: \(outcomes.map(\.name))")
        #expect(seen == ["fill + strided copy"])
        let outcome = try #require(outcomes.first)
        #expect(!outcome.passed)
        #expect(outcome.error?.contains("cuLaunchKernel failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)") == true)
        #expect(outcome.description.hasPrefix("FAIL fill + strided copy: "))
    }
}
