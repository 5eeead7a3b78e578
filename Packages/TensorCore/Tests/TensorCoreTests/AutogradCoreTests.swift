import Testing
@testable import TensorCore

@Suite struct DeviceRegistryTests {
    @Test func parsesDeviceNames() throws {
        #expect(try Device(parsing: "cpu") == .cpu)
        #expect(try Device(parsing: "cuda") == .cuda(0))
        #expect(try Device(parsing: "cuda:3") == .cuda(3))
        #expect(throws: DeviceError.invalidName("gpu")) { try Device(parsing: "gpu") }
    }

    @Test func unregisteredDeviceNamesThePackage() {
        do {
            _ = try BackendRegistry.shared.backend(for: .cuda(7))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("CUDABackend"))
        }
    }

    @Test func checkAvailableThrowsTheRegistrysError() throws {
        try Device.cpu.checkAvailable()
        #expect(
            throws: DeviceError.unavailable(
                .cuda(7),
                reason: "no backend is registered for cuda devices; "
                    + "add the CUDABackend package and call CUDABackend.register()")
        ) { try Device.cuda(7).checkAvailable() }
    }
}

@Suite struct CheckingScopeTests {
    @Test func shapeMisuseIsThrownInsideTheScope() {
        #expect(throws: TensorError.self) {
            try withTensorChecking { _ = Tensor.zeros([2, 3]).reshaped([4]) }
        }
    }
}
