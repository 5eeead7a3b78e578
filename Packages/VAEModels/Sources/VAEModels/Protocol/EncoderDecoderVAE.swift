import TensorCore
import NN

/// A VAE whose encoder and decoder are each one ``Sequential`` (both reference models): the
/// encoding split, decoding, child naming (`encoder.…`, `decoder.…`) and deep copies come for free.
public protocol EncoderDecoderVAE: VariationalAutoencoder {
    /// Maps an input batch to `[N, 2·bottleneck]` (`mu | logSigma`).
    var encoder: Sequential { get }
    /// Maps latent codes `[N, bottleneck]` to reconstructions `[N] + inputShape`.
    var decoder: Sequential { get }

    /// A model made of these parts (used by copies).
    init(configuration: VAEConfiguration, encoder: Sequential, decoder: Sequential)
}

extension EncoderDecoderVAE {
    // `named:` scopes the children for anomaly detection, which then reports a NaN at, say,
    // `encoder.6 (Linear)` (NumericalFaultTests in Training); outside that mode it costs nothing.
    public func encode(_ input: Tensor) -> (mu: Tensor, logSigma: Tensor) { splitLatent(encoder(input, named: "encoder")) }

    public func decode(_ latent: Tensor) -> Tensor { decoder(latent, named: "decoder") }

    public var namedChildren: [(name: String, module: any Module)] { [("encoder", encoder), ("decoder", decoder)] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }
    public var trainingFlag: TrainingFlag? { nil }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Self {
        Self(configuration: configuration, encoder: try clone(encoder), decoder: try clone(decoder))
    }
}
