@testable import CUDABackend
import Testing
import TensorCore

/// Every way device setup can fail ends in `DeviceError.unavailable` with a "CUDA unavailable"
/// reason that names the cause, never in a crash.
@Suite struct UnavailabilityTests {
    /// The reason `make` gives for a driver configured by `configure`, or nil when it succeeds.
    func reason(ordinal: Int = 0, _ configure: (inout EmulatedCUDADriver.Configuration) -> Void) -> String? {
        var configuration = EmulatedCUDADriver.Configuration()
        configure(&configuration)
        do {
            _ = try CUDADeviceBackend.make(ordinal: ordinal, driver: EmulatedCUDADriver(configuration), blas: nil)
            return nil
        } catch {
            guard case .unavailable(let device, let reason) = error else { return "unexpected \(error)" }
            #expect(device == .cuda(ordinal))
            #expect(reason.hasPrefix("CUDA unavailable: "))
            return reason
        }
    }

    @Test func noDevice() throws {
        let text = try #require(reason { $0.failures["cuInit"] = CUDAStatus.noDevice })
        #expect(text.contains("no CUDA-capable GPU is visible"))
        #expect(text.contains("CUDA_ERROR_NO_DEVICE"))
    }

    @Test func deviceIndexOutOfRange() throws {
        let text = try #require(reason(ordinal: 3) { $0.deviceCount = 2 })
        #expect(text.contains("cuda:3 does not exist; 2 CUDA devices found (cuda:0...cuda:1)"))
        let negative = try #require(reason(ordinal: -1) { $0.deviceCount = 1 })
        #expect(negative.contains("cuda:-1 does not exist"))
        let none = try #require(reason { $0.deviceCount = 0 })
        #expect(none.contains("no CUDA devices"))
    }

    @Test func driverTooOldForThePTX() throws {
        let text = try #require(
            reason {
                $0.driverVersion = 10020
                $0.failures["cuModuleLoadDataEx"] = CUDAStatus.unsupportedPTXVersion
            })
        #expect(text.contains("driver (CUDA 10.2) is too old for the kernels' PTX ISA 7.0"))
        #expect(text.contains("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"))
    }

    @Test func gpuOlderThanAmpere() throws {
        let text = try #require(
            reason {
                $0.computeCapability = (7, 0)
                $0.deviceName = "Tesla V100"
            })
        #expect(text.contains("cuda:0 (Tesla V100) has compute capability 7.0; the kernels need 8.0"))
    }

    @Test func stubLibraryAndOtherFailures() throws {
        #expect(try #require(reason { $0.failures["cuInit"] = CUDAStatus.stubLibrary }).contains("stub library"))
        let other = try #require(reason { $0.failures["cuDevicePrimaryCtxRetain"] = CUDAStatus.unknown })
        #expect(other.contains("cuDevicePrimaryCtxRetain failed: CUDA_ERROR_999"))
    }

    @Test func aHealthyDriverGivesANamedBackend() throws {
        #expect(reason { _ in } == nil)
        let device = try EmulatedDevice()
        #expect(device.backend.device == .cuda(0))
        #expect(device.backend.name == "CUDA cuda:0 (Emulated GPU, sm_80, built-in SGEMM)")
        #expect(device.backend.properties.driverVersionString == "12.4")
        #expect(device.backend.gemmProvider.hasPrefix("built-in SGEMM kernel"))
    }

    @Test func aFailingCuBLASFallsBackToTheKernel() throws {
        let blas = HostCUBLAS(failCreate: true)
        let device = try EmulatedDevice(blas: blas)
        #expect(device.backend.gemmProvider.contains("cuBLAS failed"))
        #expect(device.backend.name.contains("built-in SGEMM"))
    }

    @Test func launchFailuresAreMappedToCUDAErrors() throws {
        let driver = EmulatedCUDADriver()
        _ = try CUDADeviceBackend.make(ordinal: 0, driver: driver, blas: nil)
        // A kernel the module does not contain is NOT_FOUND, as cuModuleGetFunction reports it.
        #expect(throws: CUDAError.self) { try driver.function(named: "dt_missing", in: CUDAHandle(rawValue: 0x30)) }
        do {
            _ = try driver.function(named: "dt_missing", in: CUDAHandle(rawValue: 0x30))
        } catch {
            #expect(error.code == CUDAStatus.notFound)
            #expect(
                error.description == "cuModuleGetFunction(dt_missing) failed: CUDA_ERROR_NOT_FOUND (500): named symbol not found")
        }
        // An emulated launch with an impossible block is a launch failure with the emulator's reason.
        let function = try driver.function(named: "dt_fill", in: CUDAHandle(rawValue: 0x30))
        var count: UInt32 = 0
        var value: Float = 0
        var pointer: UInt64 = 0
        withUnsafeMutablePointer(to: &pointer) { p in
            withUnsafeMutablePointer(to: &count) { c in
                withUnsafeMutablePointer(to: &value) { v in
                    var parameters: [UnsafeMutableRawPointer?] = [
                        UnsafeMutableRawPointer(p), UnsafeMutableRawPointer(c),
                        UnsafeMutableRawPointer(v),
                    ]
                    do throws(CUDAError) {
                        try driver.launch(
                            function, grid: LaunchDimensions(x: 1), block: LaunchDimensions(x: 2048),
                            sharedMemoryBytes: 0, stream: CUDAHandle(rawValue: 0x50), parameters: &parameters)
                        Issue.record("a 2048-thread block launched")
                    } catch {
                        #expect(error.code == CUDAStatus.launchFailed)
                        #expect(error.message.contains("block of 2048 threads"))
                    }
                }
            }
        }
    }
}
