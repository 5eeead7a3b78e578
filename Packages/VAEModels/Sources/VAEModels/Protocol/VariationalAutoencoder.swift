import TensorCore
import NN

/// How the latent code is chosen from the encoder's distribution.
public enum LatentSampling: String, Sendable, Hashable, CaseIterable {
    /// `z = exp(logSigma) · ε + mu` with `ε ~ N(0, 1)` drawn on the model's device — what the
    /// reference does in training *and* evaluation (the default, for fidelity).
    case reparameterized
    /// `z = mu`: deterministic, for evaluation that must not depend on noise.
    case mean
}

/// Everything one forward pass of a VAE produces.
public struct VAEOutput: Sendable {
    /// The decoded batch, the input's shape `[N, C, H, W]`, values in (−1, 1) (Tanh).
    public var reconstruction: Tensor
    /// Mean of the latent distribution, `[N, bottleneck]`.
    public var mu: Tensor
    /// Log standard deviation of the latent distribution, `[N, bottleneck]`.
    public var logSigma: Tensor
    /// The latent code that was decoded, `[N, bottleneck]`.
    public var z: Tensor
}

/// A variational autoencoder: an encoder producing `(mu, logSigma)` and a decoder from latent codes.
///
/// The encoder's output `[N, 2·bottleneck]` is split into `mu | logSigma` (first half, second half),
/// as in the reference. Calling the model as a ``Layer`` returns the reconstruction with
/// ``LatentSampling/reparameterized`` sampling from the default generator.
///
/// ```swift
/// let model = try VAEConfiguration(architecture: .cnn, bottleneck: 16).makeModel()
/// let out = model.forward(batch)                       // batch: [N, 1, 32, 32] in [-1, 1]
/// let loss = VAELoss.terms(out, target: batch).total   // sum of squared errors + KL, a scalar tensor
/// ```
public protocol VariationalAutoencoder: Layer {
    /// Architecture, input shape and bottleneck this model was built with.
    var configuration: VAEConfiguration { get }

    /// `(mu, logSigma)`, each `[N, bottleneck]`, for an input batch `[N] + configuration.inputShape`.
    func encode(_ input: Tensor) -> (mu: Tensor, logSigma: Tensor)

    /// The reconstruction `[N] + configuration.inputShape` of latent codes `[N, bottleneck]`.
    func decode(_ latent: Tensor) -> Tensor
}

extension VariationalAutoencoder {
    /// Size of the latent code.
    public var bottleneck: Int { configuration.bottleneck }

    /// `exp(logSigma) · ε + mu` with `ε ~ N(0, 1)` drawn from `generator` on the device of `mu`
    /// (never created on the CPU and left there).
    public func reparameterize(mu: Tensor, logSigma: Tensor, generator: RandomGenerator = .default) -> Tensor {
        let noise = Tensor.randn(like: mu, generator: generator)
        return logSigma.exp() * noise + mu
    }

    /// Encodes, samples a latent code as `sampling` says, and decodes.
    public func forward(
        _ input: Tensor, sampling: LatentSampling = .reparameterized,
        generator: RandomGenerator = .default
    ) -> VAEOutput {
        let (mu, logSigma) = encode(input)
        let z = sampling == .mean ? mu : reparameterize(mu: mu, logSigma: logSigma, generator: generator)
        return VAEOutput(reconstruction: decode(z), mu: mu, logSigma: logSigma, z: z)
    }

    /// The reconstruction of `input` (``forward(_:sampling:generator:)`` without the latent parts).
    public func reconstruct(
        _ input: Tensor, sampling: LatentSampling = .reparameterized,
        generator: RandomGenerator = .default
    ) -> Tensor {
        forward(input, sampling: sampling, generator: generator).reconstruction
    }

    /// The reconstruction with reference sampling: the model used as a ``Layer``.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        forward(input).reconstruction
    }

    /// `count` images `[count] + inputShape` decoded from latent codes drawn from the prior
    /// `N(0, I)` on the model's device (never elsewhere: a model whose device has become
    /// unavailable stops the process, as every factory does).
    public func sample(count: Int, generator: RandomGenerator = .default) -> Tensor {
        decode(Tensor.randn([count, bottleneck], generator: generator, device: device))
    }

    /// Splits an encoder output `[N, 2·bottleneck]` into `(mu, logSigma)`.
    func splitLatent(_ encoded: Tensor) -> (mu: Tensor, logSigma: Tensor) {
        let halves = encoded.chunked(2, axis: 1)
        guard halves.count == 2 else { return (encoded, encoded) }
        return (halves[0], halves[1])
    }
}
