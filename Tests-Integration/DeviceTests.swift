import CUDABackend
import TensorCore
import Testing

/// Devices across packages: the CPU is always there; after CUDABackend registers itself, a CUDA
/// device is either usable or refused with a thrown reason (never a crash).
@Suite struct DeviceTests {
    @Test func cudaIsUsableOrRefusedWithAReason() throws {
        CUDABackend.register()
        #expect(BackendRegistry.shared.availableDevices().first == .cpu)
        do {
            try Device.cuda(0).checkAvailable()
            let x = Tensor(shape: [3], scalars: [1, 2, 3], device: .cuda(0))
            #expect((x * x).scalars == [1, 4, 9])
        } catch {
            #expect(error.description.contains("CUDA unavailable"), "unexpected refusal: \(error)")
        }
    }
}
