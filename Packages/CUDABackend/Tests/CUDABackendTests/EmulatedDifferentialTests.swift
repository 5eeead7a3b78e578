import Foundation
import TensorCore
import TensorCoreTesting
import Testing

/// TensorCore's differential fixtures (PyTorch's float64 answers), read from TensorCore's source
/// tree beside this package: this file is Packages/CUDABackend/Tests/CUDABackendTests/ in the
/// repository, the fixtures are at Packages/TensorCore/ + `DifferentialFixtures.pathInPackage`.
enum DifferentialFixtureFiles {
    static let tensorCoreRoot =
        String(#filePath).split(separator: "/", omittingEmptySubsequences: false).dropLast(4).joined(separator: "/")
        + "/TensorCore"

    static let cases = DifferentialFixtures.load(packageRoot: tensorCoreRoot) { path in
        try JSONDecoder().decode(DifferentialJSON.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// How the emulated device multiplies matrices: the built-in SGEMM kernel, or cuBLAS (computed
/// on the host, as a GPU host with cuBLAS does through CUBLASGemmMapping).
enum GEMMPath: String, CaseIterable, Sendable, CustomStringConvertible {
    case kernel = "SGEMM kernel"
    case cuBLAS = "host cuBLAS"
    var description: String { rawValue }
}

/// One run of a fixture family on the emulated device.
struct EmulatedRun: Sendable, CustomStringConvertible {
    let family: String
    let gemm: GEMMPath
    var description: String { "\(family), \(gemm)" }

    /// Every family with the SGEMM kernel; those that multiply matrices also through cuBLAS.
    static let all =
        DifferentialFixtures.families.map { EmulatedRun(family: $0, gemm: .kernel) }
        + ["linalg", "conv", "nn", "large"].map { EmulatedRun(family: $0, gemm: .cuBLAS) }
}

/// TensorCore's differential suite on the CUDA backend over the emulated driver: every case, with
/// the same op table and tolerance as on the CPU (TensorCoreTesting's DifferentialRunner), run by
/// the real kernels compiled for the host. None is left out: all of them take about half a minute
/// in a debug build.
@Suite struct EmulatedDifferentialTests {
    @Test(arguments: EmulatedRun.all)
    func agreesWithPyTorch(_ run: EmulatedRun) throws {
        let cases = try #require(try DifferentialFixtureFiles.cases[run.family]?.get(), "no fixture for \(run.family)")
        #expect(!cases.isEmpty)
        let blas = run.gemm == .cuBLAS ? HostCUBLAS() : nil
        let device = try EmulatedDevice(blas: blas)
        let runner = DifferentialRunner(backend: device.backend)
        for testCase in cases {
            do {
                for problem in try runner.problems(in: testCase) {
                    Issue.record("\(testCase.id) [emulated CUDA, \(run.gemm)]: \(problem)")
                }
            } catch {
                Issue.record("\(testCase.id) [emulated CUDA, \(run.gemm)]: \(error)")
            }
        }
        if let blas { #expect(!blas.calls.isEmpty, "cuBLAS was never called") }
    }
}
