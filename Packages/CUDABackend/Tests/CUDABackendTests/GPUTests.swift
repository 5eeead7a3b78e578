@testable import CUDABackend
import Testing
import TensorCore
import TensorCoreTesting
@testable import TestKit

/// The real GPU, when there is one: every primitive and the gradients of a small network must
/// equal the CPU backend's within float tolerance (through cuBLAS when it loads, and through the
/// built-in SGEMM kernel), every differential case must agree with PyTorch, and moving tensors
/// between devices must not change them. On a machine
/// without a usable GPU the suite is skipped with the reason.
enum GPU {
    /// cuda:0 through the real driver (cuBLAS when it loads), or why not.
    static let backend: Result<CUDADeviceBackend, DeviceError> = {
        CUDABackend.register()
        return Result { () throws(DeviceError) in
            try BackendRegistry.shared.backend(for: .cuda(0)) as! CUDADeviceBackend
        }
    }()

    static var isAvailable: Bool { (try? backend.get()) != nil }

    static var skipReason: String {
        switch backend {
        case .success: return "a GPU is available"
        case .failure(let error): return "no usable GPU: \(error)"
        }
    }
}

@Suite(.enabled(if: GPU.isAvailable, Comment(rawValue: GPU.skipReason)), .serialized)
struct GPUTests {
    let gpu: CUDADeviceBackend
    init() throws { gpu = try GPU.backend.get() }

    @Test func everyPrimitiveMatchesTheCPU() {
        print("GPU under test: \(gpu.name); \(gpu.properties); GEMM: \(gpu.gemmProvider)")
        for outcome in BackendConformanceCheck.run(on: gpu) {
            #expect(outcome.passed, "\(outcome)")
        }
    }

    @Test func theBuiltInSGEMMKernelMatchesTheCPU() throws {
        let kernelOnly = try CUDADeviceBackend.make(ordinal: 0, driver: try CUDADriverLibrary.load(), blas: nil)
        for outcome in BackendConformanceCheck.run(on: kernelOnly)
        where outcome.name.hasPrefix("gemm") || outcome.name.hasPrefix("conv") {
            #expect(outcome.passed, "\(outcome)")
        }
    }

    /// TensorCore's differential suite on the GPU (as EmulatedDifferentialTests on the emulated
    /// driver): here libdevice's exp, log, tanh and pow and the GPU's own rounding are under test.
    @Test(arguments: DifferentialFixtures.families)
    func agreesWithPyTorch(family: String) throws {
        let cases = try #require(try DifferentialFixtureFiles.cases[family]?.get(), "no fixture for \(family)")
        let runner = DifferentialRunner(backend: gpu)
        for testCase in cases {
            do {
                for problem in try runner.problems(in: testCase) { Issue.record("\(testCase.id) [GPU]: \(problem)") }
            } catch {
                Issue.record("\(testCase.id) [GPU]: \(error)")
            }
        }
    }

    @Test func movingBetweenDevicesKeepsValuesAndTheSource() throws {
        var values = DeterministicValues(seed: 29)
        let host = Tensor(shape: [3, 5, 7], scalars: values.array(105))
        let onGPU = try host.to(.cuda(0))
        #expect(onGPU.device == .cuda(0) && host.device == .cpu)
        let back = try onGPU.transposed(0, 2).to(.cpu)
        #expect(back.scalars == host.transposed(0, 2).scalars)
        #expect(try onGPU.to(.cuda(0)).storage === onGPU.storage)
    }
}
