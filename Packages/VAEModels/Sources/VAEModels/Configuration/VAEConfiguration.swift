import TensorCore

/// What a VAE is: its architecture, input shape and latent size. Stored in checkpoints so that a
/// checkpoint of another model is recognised before any tensor is loaded.
public struct VAEConfiguration: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The two reference architectures (github.com/tilman151/unittest_dl).
    public enum Architecture: String, Codable, Hashable, Sendable, CaseIterable {
        /// ``MLPVAE``: fully connected encoder and decoder.
        case mlp
        /// ``CNNVAE``: convolutional encoder, transposed-convolution decoder.
        case cnn
    }

    /// Which reference model: ``MLPVAE`` or ``CNNVAE``.
    public var architecture: Architecture
    /// Shape of one input `[channels, height, width]`; the reference uses `[1, 32, 32]`.
    public var inputShape: [Int]
    /// Size of the latent code (the reference's `bottleneck_dim`).
    public var bottleneck: Int

    /// A configuration (not validated here: ``validate()`` and ``makeModel(generator:device:)`` check it).
    public init(architecture: Architecture, inputShape: [Int] = [1, 32, 32], bottleneck: Int = 16) {
        self.architecture = architecture
        self.inputShape = inputShape
        self.bottleneck = bottleneck
    }

    public var description: String {
        "\(architecture.rawValue) VAE, input \(inputShape), bottleneck \(bottleneck)"
    }

    /// Checks the configuration can be built (``makeModel(generator:device:)`` calls it first).
    /// - Throws: ``VAEConfigurationError`` naming the bad value.
    func validate() throws(VAEConfigurationError) {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidInputShape(inputShape, reason: "expected [channels, height, width] with positive sizes")
        }
        guard bottleneck > 0 else { throw .invalidBottleneck(bottleneck) }
        if architecture == .cnn, inputShape[1] % 4 != 0 || inputShape[2] % 4 != 0 {
            throw .invalidInputShape(inputShape, reason: "the CNN halves height and width twice, so both must be multiples of 4")
        }
    }

    /// A freshly initialised model (PyTorch's default initialisation from `generator`, the same
    /// numbers on every device) created on `device` (the CPU by default).
    ///
    /// `device` must be available: check it with `Device.checkAvailable()` where it is chosen (an
    /// unavailable device stops the process as a programmer error).
    /// - Throws: ``VAEConfigurationError`` for an invalid configuration.
    public func makeModel(
        generator: RandomGenerator = .default, device: Device = .cpu
    ) throws(VAEConfigurationError) -> any VariationalAutoencoder {
        try validate()
        switch architecture {
        case .mlp: return MLPVAE(configuration: self, generator: generator, device: device)
        case .cnn: return CNNVAE(configuration: self, generator: generator, device: device)
        }
    }
}

/// A VAE configuration that cannot be built.
public enum VAEConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input shape cannot be used: not `[channels, height, width]` with positive sizes, or (CNN)
    /// height and width not multiples of 4; `reason` says which.
    case invalidInputShape([Int], reason: String)
    /// The latent size is not positive.
    case invalidBottleneck(Int)

    public var description: String {
        switch self {
        case .invalidInputShape(let shape, let reason): return "invalid VAE input shape \(shape): \(reason)"
        case .invalidBottleneck(let value): return "invalid VAE bottleneck \(value): must be at least 1"
        }
    }
}
