import TensorCore
import VAEModels

/// The settings of one `vae-train` run, as parsed from its command line (see ``VAETrainCLI``).
public struct VAETrainArguments: Sendable, Hashable {
    /// `mlp` or `cnn` (required).
    public var architecture: VAEConfiguration.Architecture
    /// Latent size (16).
    public var bottleneck = 16
    /// Adam's learning rate (1e-3).
    public var learningRate: Float = 1e-3
    /// Examples per batch (128).
    public var batchSize = 128
    /// Total number of epochs; with ``resume`` training continues up to this many (10).
    public var epochs = 10
    /// Where the model lives and computes (`cpu`).
    public var device: Device = .cpu
    /// Event files, checkpoints and PNG grids of this run; `nil` (no `--log-dir`):
    /// ``defaultLogDirectory``, or with ``resume`` the directory of the checkpoint resumed from.
    public var logDirectory: String?
    /// Delete an earlier run in the log directory before training (`--overwrite`).
    public var overwrite = false
    /// Seeds the weights, the noise, the training order and the augmentation (0).
    public var seed: UInt64 = 0
    /// Where the MNIST files are; `nil`: `MNIST_DIR`, else the per-user cache.
    public var dataDirectory: String?
    /// Data-loading threads (2, as the reference's `num_workers`).
    public var workers = 2
    /// CPU kernel threads; `nil` keeps the default (all cores, or `DEEPTRUST_NUM_THREADS`).
    public var threads: Int?
    /// A checkpoint file, or a directory whose latest checkpoint is used, to continue from.
    public var resume: String?
    /// Evaluate with `z = mu` instead of sampled noise.
    public var deterministicEvaluation = false
    /// Train on the first N training examples only.
    public var limitTrain: Int?
    /// Evaluate on the first N test examples only.
    public var limitTest: Int?
    /// Download missing MNIST files (true unless `--no-download`).
    public var download = true
    /// Stop at the first operation producing NaN or infinity, naming it (`--detect-anomaly`; slow).
    public var detectAnomalies = false

    /// The arguments of `vae-train <architecture>` with every flag at its default (listed on the properties).
    public init(architecture: VAEConfiguration.Architecture) {
        self.architecture = architecture
    }

    /// The log directory without `--log-dir` and `--resume`.
    public static let defaultLogDirectory = "./results"

    /// The model these arguments describe (MNIST's padded 1×32×32 inputs).
    public var configuration: VAEConfiguration {
        VAEConfiguration(architecture: architecture, inputShape: [1, 32, 32], bottleneck: bottleneck)
    }
}

/// What the command line asks for.
public enum VAETrainCommand: Sendable, Hashable {
    /// Train with these arguments.
    case train(VAETrainArguments)
    /// Print ``VAETrainCLI/help`` and exit.
    case help
}
