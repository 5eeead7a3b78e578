@testable import CUDABackend
import Testing
// Foundation for Process and FileManager: these tests run the cuda-check executable.
import Foundation
@testable import TestKit

/// The `cuda-check` executable built next to the tests, on a machine without a driver: it must
/// say why at once, write its JSON lines, and know the case names a rerun uses.
@Suite struct CUDACheckToolTests {
    /// `cuda-check` in the build folder of this test binary, if it was built.
    static let executable: String? = {
        guard let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        var folder = URL(fileURLWithPath: me).deletingLastPathComponent()
        // The test binary may sit inside a .xctest bundle folder.
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("cuda-check").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
            if folder.lastPathComponent == ".build" { break }
        }
        return nil
    }()
    static let runnable = executable != nil && !DriverLoadingTests.driverIsInstalled

    @Test(.enabled(if: runnable, "needs the cuda-check executable and a machine without an NVIDIA driver"))
    func withoutADriverItExitsWith2AndWritesJSONLines() throws {
        let json = NSTemporaryDirectory() + "cuda-check-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: json) }
        let (status, output) = try GPUCheckScriptTests.run([Self.executable!, "--json", json])
        #expect(status == 2)
        #expect(output.contains("CUDA unavailable: cannot load libcuda.so.1"))
        let lines = try String(contentsOfFile: json, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2, "\(lines)")
        #expect(
            lines.first?.hasPrefix("{\"kind\": \"host\", \"unavailable\": \"device cuda:0 unavailable: CUDA unavailable") == true)
        #expect(lines.last?.hasPrefix("{\"kind\": \"summary\", \"passed\": false") == true)
    }

    @Test(.enabled(if: executable != nil, "needs the cuda-check executable"))
    func theCaseNamesForARerunAreListedAndChecked() throws {
        let (status, output) = try GPUCheckScriptTests.run([Self.executable!, "--list"])
        #expect(status == 0)
        #expect(output.split(separator: "\n").map(String.init) == BackendConformanceCheck.caseNames)
        let (unknown, message) = try GPUCheckScriptTests.run([Self.executable!, "--only", "no such case"])
        #expect(unknown == 2)
        #expect(message.contains("--only 'no such case': no comparison has that name or contains it (see --list)"))
    }
}
