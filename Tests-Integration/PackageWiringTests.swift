import Testing
import TensorCore

/// The umbrella links every package; this checks the shared CPU backend is reachable through it.
@Suite struct PackageWiringTests {
    @Test func cpuBackendIsAlwaysAvailable() throws {
        #expect(BackendRegistry.shared.availableDevices(maxCUDADevices: 0) == [.cpu])
        #expect(try BackendRegistry.shared.backend(for: .cpu).device == .cpu)
    }
}
