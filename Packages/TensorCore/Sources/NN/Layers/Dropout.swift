import TensorCore

/// Zeroes each element with probability ``probability`` in training mode and scales the kept ones
/// by `1 / (1 − probability)` (PyTorch's `nn.Dropout`); the identity in evaluation mode. Any shape.
///
/// The mask is drawn from ``generator`` on the input's device: element `i` is kept when the `i`-th
/// uniform number `u ∈ [0, 1)` of the draw satisfies `u ≥ probability`, so the keep rate is exactly
/// `1 − probability` up to the 2⁻²⁴ resolution of the uniforms.
public final class Dropout: Layer {
    /// The probability of zeroing an element, in `[0, 1]`.
    public let probability: Float
    /// The source of the masks (shared by copies of this layer).
    public let generator: RandomGenerator
    public let trainingFlag: TrainingFlag?

    /// Dropout with `probability` in `[0, 1]` (reported as a ``TensorError`` otherwise, and then 0).
    public convenience init(probability: Float = 0.5, generator: RandomGenerator = .default) {
        var p = probability
        if !(0...1).contains(p) {
            reportTensorFailure(TensorError(.invalidArgument, op: "Dropout", "probability must be in [0, 1], got \(probability)"))
            p = 0
        }
        self.init(probability: p, generator: generator, trainingFlag: TrainingFlag())
    }

    private init(probability: Float, generator: RandomGenerator, trainingFlag: TrainingFlag?) {
        self.probability = probability
        self.generator = generator
        self.trainingFlag = trainingFlag
    }

    /// The input with elements dropped and the rest scaled (training mode), or the input itself
    /// (evaluation mode or probability 0).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        if probability == 1 { return input * Tensor.zeros(like: input) }
        let uniforms = Tensor.rand(like: input, generator: generator)
        let mask = (uniforms .>= probability) * (1 / (1 - probability))
        return input * mask
    }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Dropout {
        Dropout(probability: probability, generator: generator, trainingFlag: trainingFlag.map { clone($0) })
    }
}
