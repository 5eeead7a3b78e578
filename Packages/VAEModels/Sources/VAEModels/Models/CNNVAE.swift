import TensorCore
import NN

/// The reference convolutional VAE (github.com/tilman151/unittest_dl), for inputs `[C, H, W]` with H and W multiples of 4.
///
/// Encoder: Conv(C→16, k5, p2), ReLU, Conv(16→32, k3, s2, p1), ReLU, Conv(32→64, k3, s2, p1), ReLU,
/// Flatten, Linear(64·H/4·W/4 → 2·bottleneck). Decoder: Linear(bottleneck → 64·H/4·W/4), ReLU,
/// Unflatten to `[64, H/4, W/4]`, ConvTranspose(64→32, k3, s2, p1, op1), ReLU,
/// ConvTranspose(32→16, k3, s2, p1, op1), ReLU, Conv(16→C, k5, p2), Tanh.
/// 247,777 parameters at bottleneck 16 on 1×32×32 inputs, named as PyTorch names them
/// (`encoder.0.weight`, …, `decoder.7.bias`).
public final class CNNVAE: EncoderDecoderVAE {
    /// Architecture, input shape and bottleneck of this model.
    public let configuration: VAEConfiguration
    /// Input batch → `[N, 2·bottleneck]` (`mu | logSigma`).
    public let encoder: Sequential
    /// Latent codes `[N, bottleneck]` → reconstructions `[N] + inputShape` in (−1, 1).
    public let decoder: Sequential

    /// A model created on `device` (the CPU by default) with PyTorch's default initialisation drawn
    /// from `generator` (layer by layer, in declaration order; the same numbers on every device).
    /// Use ``VAEConfiguration/makeModel(generator:device:)`` to validate first. `device` must be
    /// available: check it with `Device.checkAvailable()` where it is chosen (an unavailable device
    /// stops the process as a programmer error).
    public convenience init(
        configuration: VAEConfiguration, generator: RandomGenerator = .default, device: Device = .cpu
    ) {
        let channels = configuration.inputShape.first ?? 1
        let height = configuration.inputShape.count > 1 ? configuration.inputShape[1] / 4 : 8
        let width = configuration.inputShape.count > 2 ? configuration.inputShape[2] / 4 : 8
        let d = configuration.bottleneck
        let encoder = Sequential(
            Conv2d(channels, 16, kernelSize: 5, padding: 2, generator: generator, device: device), ReLU(),
            Conv2d(16, 32, kernelSize: 3, stride: 2, padding: 1, generator: generator, device: device), ReLU(),
            Conv2d(32, 64, kernelSize: 3, stride: 2, padding: 1, generator: generator, device: device), ReLU(),
            Flatten(), Linear(64 * height * width, 2 * d, generator: generator, device: device))
        let decoder = Sequential(
            Linear(d, 64 * height * width, generator: generator, device: device), ReLU(),
            Unflatten(dimension: 1, sizes: [64, height, width]),
            ConvTranspose2d(64, 32, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator, device: device),
            ReLU(),
            ConvTranspose2d(32, 16, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator, device: device),
            ReLU(),
            Conv2d(16, channels, kernelSize: 5, padding: 2, generator: generator, device: device), Tanh())
        var configuration = configuration
        configuration.architecture = .cnn
        self.init(configuration: configuration, encoder: encoder, decoder: decoder)
    }

    /// A model made of these parts (no check that they fit `configuration`).
    public init(configuration: VAEConfiguration, encoder: Sequential, decoder: Sequential) {
        self.configuration = configuration
        self.encoder = encoder
        self.decoder = decoder
    }
}
