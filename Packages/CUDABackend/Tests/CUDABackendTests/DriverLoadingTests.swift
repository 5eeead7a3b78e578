@testable import CUDABackend
import DeepTrustSystem
import Testing
import TensorCore

/// Loading the real driver library: absent on machines without an NVIDIA driver (such as CI),
/// where every path must end in a clean "CUDA unavailable" error.
@Suite struct DriverLoadingTests {
    static let driverIsInstalled = (try? CUDADriverLibrary.load()) != nil

    @Test(.enabled(if: !driverIsInstalled, "an NVIDIA driver is installed here"))
    func missingDriverIsReportedThroughTheRegistry() {
        CUDABackend.register()
        #expect(throws: DeviceError.self) { _ = try BackendRegistry.shared.backend(for: .cuda(0)) }
        do {
            _ = try BackendRegistry.shared.backend(for: .cuda(0))
        } catch {
            guard case .unavailable(let device, let reason) = error else {
                Issue.record("expected .unavailable, got \(error)")
                return
            }
            #expect(device == .cuda(0))
            #expect(reason.hasPrefix("CUDA unavailable: "))
            #expect(reason.contains("libcuda.so.1"), "the reason should name the library: \(reason)")
            #expect(error.description.contains("CUDA unavailable"))
        }
        #expect(!BackendRegistry.shared.isAvailable(.cuda(0)))
        #expect(BackendRegistry.shared.availableDevices() == [.cpu])
    }

    @Test(.enabled(if: !driverIsInstalled, "an NVIDIA driver is installed here"))
    func probeExplainsWhyCUDAIsUnavailable() {
        let probe = CUDABackend.probe()
        #expect(probe.driverLibrary == nil)
        #expect(probe.devices.isEmpty)
        #expect(probe.unavailableReason?.hasPrefix("CUDA unavailable: ") == true)
        #expect(probe.description == probe.unavailableReason)
    }

    @Test func aLibraryThatDoesNotExistNamesEveryCandidate() {
        do {
            _ = try CUDADriverLibrary.load(candidates: ["libdeeptrust-missing-a.so", "libdeeptrust-missing-b.so"])
            Issue.record("loading a missing library succeeded")
        } catch {
            #expect(error.description.contains("libdeeptrust-missing-a.so or libdeeptrust-missing-b.so"))
            guard case .libraryNotFound(let candidates, let messages) = error else {
                Issue.record("expected .libraryNotFound, got \(error)")
                return
            }
            #expect(candidates == ["libdeeptrust-missing-a.so", "libdeeptrust-missing-b.so"])
            #expect(messages.count == 2, "one loader message per candidate: \(messages)")
        }
    }

    @Test func aLibraryWithoutTheDriverSymbolsIsRejected() {
        // libm is always there but is no CUDA driver: the first symbol lookup must fail cleanly.
        do {
            _ = try CUDADriverLibrary.load(candidates: ["libm.so.6"])
            Issue.record("libm was accepted as a CUDA driver")
        } catch {
            #expect(error == .symbolMissing(library: "libm.so.6", symbol: "cuInit"))
            #expect(error.description.contains("libm.so.6 has no symbol cuInit"))
            #expect(CUDAUnavailability.reason(error).hasPrefix("CUDA unavailable: "))
        }
    }

    @Test func cuBLASIsOptionalAndFailsCleanly() {
        do {
            _ = try CUBLASLibrary.load(candidates: ["libdeeptrust-missing-cublas.so"])
            if environmentVariable("DEEPTRUST_CUBLAS") == nil { Issue.record("a missing cuBLAS loaded") }
        } catch {
            #expect(error.description.contains("libdeeptrust-missing-cublas.so"))
        }
    }

    @Test func loadErrorsKeepTheirWording() {
        #expect(
            LibraryLoadError.libraryNotFound(candidates: ["a.so", "b.so"], messages: ["a.so: gone", "b.so: gone"])
                .description == "cannot load a.so or b.so (a.so: gone; b.so: gone)")
        #expect(
            LibraryLoadError.symbolMissing(library: "libcuda.so.1", symbol: "cuInit").description
                == "libcuda.so.1 has no symbol cuInit (the library is too old or not the real one)")
        #expect(
            LibraryLoadError.disabled(setting: "DEEPTRUST_CUDA_GEMM=kernel").description
                == "disabled by DEEPTRUST_CUDA_GEMM=kernel")
    }
}
