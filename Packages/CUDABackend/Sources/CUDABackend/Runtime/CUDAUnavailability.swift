/// The reasons, in words a user can act on, why a CUDA device cannot be used. Every message
/// starts with "CUDA unavailable: ".
enum CUDAUnavailability {
    static let prefix = "CUDA unavailable: "

    /// The driver library could not be loaded or lacks a function.
    static func reason(_ error: LibraryLoadError) -> String {
        prefix + "\(error); an NVIDIA driver (libcuda) is needed"
    }

    /// `cuda:<ordinal>` is not among the `count` devices.
    static func noSuchDevice(ordinal: Int, count: Int) -> String {
        prefix
            + (count == 0
                ? "the driver reports no CUDA devices"
                : "cuda:\(ordinal) does not exist; \(count) CUDA device\(count == 1 ? "" : "s") found (cuda:0...cuda:\(count - 1))")
    }

    /// The GPU is older than the kernels' target.
    static func computeCapabilityTooLow(ordinal: Int, name: String, major: Int, minor: Int) -> String {
        prefix + "cuda:\(ordinal) (\(name)) has compute capability \(major).\(minor); the kernels need 8.0 (Ampere) or newer"
    }

    /// A driver call failed while the device was being set up.
    static func reason(_ error: CUDAError, driverVersion: Int?) -> String {
        let version = driverVersion.map { "CUDA \($0 / 1000).\($0 % 1000 / 10)" } ?? "unknown version"
        switch error.code {
        case CUDAStatus.noDevice:
            return prefix
                + "no CUDA-capable GPU is visible (\(error.call): \(error.name)); check nvidia-smi and CUDA_VISIBLE_DEVICES"
        case CUDAStatus.stubLibrary:
            return prefix
                + "the loaded libcuda is the CUDA toolkit's stub library, not an NVIDIA driver (\(error.call): \(error.name))"
        case CUDAStatus.systemDriverMismatch:
            return prefix
                + "the NVIDIA kernel module and libcuda have different versions (\(error.name)); reboot or reinstall the driver"
        case CUDAStatus.unsupportedPTXVersion:
            return prefix + "the NVIDIA driver (\(version)) is too old for the kernels' PTX ISA 7.0, which needs a CUDA 11.0 "
                + "or newer driver; update the driver (\(error))"
        case CUDAStatus.invalidPTX, CUDAStatus.invalidImage, CUDAStatus.noBinaryForGPU, CUDAStatus.jitCompilerNotFound:
            return prefix + "the driver (\(version)) could not compile the kernels' PTX for this GPU (\(error))"
        default:
            return prefix + "\(error)"
        }
    }
}
