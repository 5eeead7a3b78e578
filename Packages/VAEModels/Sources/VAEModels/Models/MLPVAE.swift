import TensorCore
import NN

/// The reference fully connected VAE (github.com/tilman151/unittest_dl).
///
/// Encoder: Flatten, Linear(C·H·W → 512), ReLU, Linear(512 → 256), ReLU, Linear(256 → 128), ReLU,
/// Linear(128 → 2·bottleneck). Decoder: Linear(bottleneck → 128), ReLU, Linear(128 → 256), ReLU,
/// Linear(256 → 512), ReLU, Linear(512 → C·H·W), Unflatten to `[C, H, W]`, Tanh.
/// 1,385,248 parameters at bottleneck 16 on 1×32×32 inputs, named as PyTorch names them
/// (`encoder.1.weight`, …, `decoder.6.bias`).
public final class MLPVAE: EncoderDecoderVAE {
    /// Architecture, input shape and bottleneck of this model.
    public let configuration: VAEConfiguration
    /// Input batch → `[N, 2·bottleneck]` (`mu | logSigma`).
    public let encoder: Sequential
    /// Latent codes `[N, bottleneck]` → reconstructions `[N] + inputShape` in (−1, 1).
    public let decoder: Sequential

    /// A model created on `device` (the CPU by default) with PyTorch's default initialisation drawn
    /// from `generator` (layer by layer, in declaration order; the same numbers on every device).
    /// `configuration.architecture` is ignored; use ``VAEConfiguration/makeModel(generator:device:)``
    /// to validate first. `device` must be available: check it with `Device.checkAvailable()` where
    /// it is chosen (an unavailable device stops the process as a programmer error).
    public convenience init(
        configuration: VAEConfiguration, generator: RandomGenerator = .default, device: Device = .cpu
    ) {
        let features = configuration.inputShape.reduce(1, *)
        let d = configuration.bottleneck
        let encoder = Sequential(
            Flatten(), Linear(features, 512, generator: generator, device: device), ReLU(),
            Linear(512, 256, generator: generator, device: device), ReLU(),
            Linear(256, 128, generator: generator, device: device), ReLU(),
            Linear(128, 2 * d, generator: generator, device: device))
        let decoder = Sequential(
            Linear(d, 128, generator: generator, device: device), ReLU(),
            Linear(128, 256, generator: generator, device: device), ReLU(),
            Linear(256, 512, generator: generator, device: device), ReLU(),
            Linear(512, features, generator: generator, device: device),
            Unflatten(dimension: 1, sizes: configuration.inputShape), Tanh())
        var configuration = configuration
        configuration.architecture = .mlp
        self.init(configuration: configuration, encoder: encoder, decoder: decoder)
    }

    /// A model made of these parts (no check that they fit `configuration`).
    public init(configuration: VAEConfiguration, encoder: Sequential, decoder: Sequential) {
        self.configuration = configuration
        self.encoder = encoder
        self.decoder = decoder
    }
}
