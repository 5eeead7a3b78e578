import CUDABackend
import Testing
import TensorCore

// The examples of CUDABackend.docc/CheckingAGPUHost.md (and CUDABackend's row of
// README.md), line for line; they run on the GPU when there is one, else on the CPU.
@Suite struct DocumentationExamplesTests {
    @Test func useTheGPUFromAProgram() throws {
        CUDABackend.register()
        let probe = CUDABackend.probe()
        #expect(probe.devices.isEmpty == (probe.unavailableReason != nil))
        if let reason = probe.unavailableReason { #expect("\(probe)" == reason && reason.hasPrefix("CUDA unavailable: ")) }
        let device: Device = BackendRegistry.shared.isAvailable(.cuda(0)) ? .cuda(0) : .cpu
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], device: device)
        let y = try (x.matmul(x) + 1).to(.cpu)
        #expect(x.device == device)
        #expect("\(y.scalars)" == "[8.0, 11.0, 16.0, 23.0]")
    }

    /// (On a host with eight GPUs `cuda:7` exists and there is nothing to explain.)
    @Test func anUnusableDeviceIsExplained() {
        CUDABackend.register()
        guard !BackendRegistry.shared.isAvailable(.cuda(7)) else { return }
        var message = ""
        do {
            try Device.cuda(7).checkAvailable()
        } catch {
            message = "\(error)"
        }
        #expect(message.hasPrefix("device cuda:7 unavailable: CUDA unavailable: "))
    }
}
