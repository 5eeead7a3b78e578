import TensorCore

/// Layers applied one after another (PyTorch's `nn.Sequential`); children are named `0`, `1`, …,
/// so parameters get PyTorch's keys (`0.weight`, and `encoder.0.weight` inside a module's `encoder`).
///
/// ```swift
/// let mlp = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
/// let logits = mlp(Tensor.zeros([32, 784]))   // [32, 10]
/// ```
public final class Sequential: Layer {
    /// The layers in application order.
    public let layers: [any Layer]
    public let trainingFlag: TrainingFlag?
    /// `layers` as run: a bias layer and the ReLU after it as one step (see ``ReLUFusingLayer``).
    private let steps: [SequentialStep]

    /// A sequence of `layers`.
    public convenience init(_ layers: any Layer...) {
        self.init(layers)
    }

    /// A sequence of `layers`.
    public init(_ layers: [any Layer]) {
        self.layers = layers
        trainingFlag = TrainingFlag()
        steps = SequentialStep.plan(layers)
    }

    private init(layers: [any Layer], trainingFlag: TrainingFlag?) {
        self.layers = layers
        self.trainingFlag = trainingFlag
        steps = SequentialStep.plan(layers)
    }

    /// The output of the last layer (the input itself when there are no layers). A Linear or
    /// convolution followed by a ReLU runs as one fused layer, with the same result; when a
    /// convolution consumes that ReLU's output, it also applies the ReLU's gradient, in the pass
    /// that computes its own input gradient.
    /// In anomaly-detection mode each layer runs as the module scope `<index> (<type>)`, so a NaN is
    /// located as, say, `encoder.6 (Linear)` (a fused ReLU is reported at its Linear or convolution).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard AnomalyDetection.isEnabled else { return steps.reduce(input) { x, step in step(x) } }
        var x = input
        var index = 0
        for step in steps {
            x = withModuleScope(String(index), type: String(describing: type(of: step.layer))) { step(x) }
            index += step.width
        }
        return x
    }

    public var namedChildren: [(name: String, module: any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Sequential {
        Sequential(layers: try clone(layers), trainingFlag: trainingFlag.map { clone($0) })
    }
}
