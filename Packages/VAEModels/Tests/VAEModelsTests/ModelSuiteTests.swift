import Testing
import TensorCore
import NN
import Optim
import TestKit
import TestKitTesting
import VAEModels
import VAEModelsChecks

/// TestKit's model suite on both reference models, two configurations each, and both evaluation
/// samplings (the reference's noise in evaluation, and the deterministic mean).
@Suite struct ModelSuiteTests {
    @Test(arguments: ModelCheck.allCases, VAESubjects.standard().indices)
    func referenceModels(_ check: ModelCheck, subjectIndex: Int) throws {
        SimulatedDevice.install()
        try check.verify(on: VAESubjects.standard()[subjectIndex])
    }

    /// The noise of the reparameterisation lives on the model's device (the reference made it on the CPU).
    @Test func noiseIsDrawnOnTheModelsDevice() throws {
        SimulatedDevice.install()
        let model = try VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4).makeModel(
            device: SimulatedDevice.device)
        let input = Tensor.zeros([2, 1, 8, 8], device: SimulatedDevice.device)
        let output = try withTensorChecking { model.forward(input) }
        #expect(output.z.device == SimulatedDevice.device)
        #expect(output.reconstruction.shape == [2, 1, 8, 8])
        #expect(model.sample(count: 3).device == SimulatedDevice.device)
    }

    /// `sample` draws its codes on the model's device and never falls back to the CPU: with the
    /// model's device gone from the registry, it stops naming that device rather than decoding
    /// CPU noise (the old fallback) or returning CPU output.
    @Test func samplingNeverFallsBackToTheCPU() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            SimulatedDevice.install()
            let model = try VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4).makeModel(
                device: SimulatedDevice.device)
            BackendRegistry.shared.register(
                { (device: Device) throws(DeviceError) -> any Backend in throw .unavailable(device, reason: "unplugged") },
                for: .cuda)
            let images = model.sample(count: 2)
            print("sampled on \(images.device)")
        }
        let stderr = result.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(stderr.contains("device cuda:0 unavailable: unplugged"))
    }

    @Test func meanSamplingIsDeterministicAndReparameterizedIsNot() throws {
        let model = try VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4).makeModel()
        let input = Tensor.rand([2, 1, 8, 8], low: -1, high: 1)
        #expect(model.reconstruct(input, sampling: .mean).scalars == model.reconstruct(input, sampling: .mean).scalars)
        #expect(model.reconstruct(input).scalars != model.reconstruct(input).scalars)
    }
}

/// The KL term against its closed form and against a histogram estimate (the reference's scipy check).
@Test(arguments: KLDivergenceCheck.allCases)
func klDivergence(_ check: KLDivergenceCheck) throws {
    try check.verify(on: VAESubjects.klDivergence)
}
