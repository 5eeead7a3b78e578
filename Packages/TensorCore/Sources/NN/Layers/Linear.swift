import TensorCore

/// A fully connected layer `y = x · Wᵀ + b` (PyTorch's `nn.Linear`).
///
/// Shapes: input `[*, inputFeatures]` (any number of leading dimensions, at least one dimension),
/// output `[*, outputFeatures]`; ``weight`` is `[outputFeatures, inputFeatures]`, ``bias`` `[outputFeatures]`.
/// Initialisation as PyTorch: `W ~ U(−1/√in, 1/√in)` (Kaiming-uniform with `a = √5`), `b ~ U(−1/√in, 1/√in)`.
public final class Linear: Layer, ReLUFusingLayer {
    /// Size of the last input dimension.
    public let inputFeatures: Int
    /// Size of the last output dimension.
    public let outputFeatures: Int
    /// `[outputFeatures, inputFeatures]`.
    public let weight: Parameter
    /// `[outputFeatures]`, or `nil` for a layer without bias.
    public let bias: Parameter?
    public let trainingFlag: TrainingFlag?

    /// A layer created on `device` (the CPU by default) with PyTorch's default initialisation drawn
    /// from `generator` (the weight first, then the bias; the same numbers on every device for the
    /// same generator state).
    ///
    /// Negative feature counts are reported as a ``TensorError``. `device` must be available: check
    /// it with ``Device/checkAvailable()`` where it is chosen (an unavailable device stops the
    /// process as a programmer error).
    public convenience init(
        _ inputFeatures: Int, _ outputFeatures: Int, bias: Bool = true,
        generator: RandomGenerator = .default, device: Device = .cpu
    ) {
        var (inputs, outputs) = (inputFeatures, outputFeatures)
        if inputs < 0 || outputs < 0 {
            reportTensorFailure(
                TensorError(.invalidArgument, op: "Linear", "feature counts must not be negative, got \(inputs) → \(outputs)"))
            (inputs, outputs) = (max(inputs, 0), max(outputs, 0))
        }
        let (weight, bias) = Initialization.layerParameters(
            weightShape: [outputs, inputs], biasLength: outputs, bias: bias, generator: generator, device: device)
        self.init(weight: weight, bias: bias, trainingFlag: TrainingFlag())
    }

    /// A layer with the given values: `weight` `[out, in]` and `bias` `[out]` (or `nil`).
    /// Reports a ``TensorError`` when the shapes do not fit together.
    public convenience init(weight: Tensor, bias: Tensor?) {
        if weight.rank != 2 || (bias != nil && bias!.shape != [weight.shape.first ?? 0]) {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: "Linear(weight:bias:)",
                    "needs a weight [out, in] and a bias [out], got \(weight.shape) and \(bias.map { "\($0.shape)" } ?? "nil")"))
        }
        self.init(weight: Parameter(weight), bias: bias.map(Parameter.init), trainingFlag: TrainingFlag())
    }

    private init(weight: Parameter, bias: Parameter?, trainingFlag: TrainingFlag?) {
        let shape = weight.shape
        outputFeatures = shape.count == 2 ? shape[0] : 0
        inputFeatures = shape.count == 2 ? shape[1] : 0
        self.weight = weight
        self.bias = bias
        self.trainingFlag = trainingFlag
    }

    /// `input · Wᵀ + b`: `[*, inputFeatures]` → `[*, outputFeatures]`. Reports a ``TensorError``
    /// when the last dimension of `input` is not `inputFeatures`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        forward(input, relu: false)
    }

    /// `relu(self(input))`: the product, then the bias addition and the ReLU in one pass. A Linear
    /// does not apply the gradient of a ReLU before it (``Sequential`` never asks it to).
    func callFollowedByReLU(_ input: Tensor, gradientMaskedByConsumer: Bool, applyingReLUGradient: Bool) -> Tensor {
        forward(input, relu: true, gradientMaskedByConsumer: gradientMaskedByConsumer)
    }

    private func forward(_ input: Tensor, relu: Bool, gradientMaskedByConsumer: Bool = false) -> Tensor {
        guard input.rank >= 1, input.shape[input.rank - 1] == inputFeatures else {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: "Linear",
                    "expected an input [*, \(inputFeatures)] (in features \(inputFeatures)), got shape \(input.shape)"))
            return Tensor.full(Array(input.shape.dropLast()) + [outputFeatures], value: 0, device: input.device)
        }
        let leading = Array(input.shape.dropLast())
        let rows = input.rank == 2 ? input : input.reshaped([leading.reduce(1, *), inputFeatures])
        let weightT = weight.value.transposed(0, 1)
        let output: Tensor
        if relu {
            let product = rows.matmul(weightT)
            if let bias {
                // The product is used only here: the fused pass may overwrite it.
                output = (consume product).reluAfterAdding(bias.value, gradientMaskedByConsumer: gradientMaskedByConsumer)
            } else {
                output = product.relu()
            }
        } else {
            // One GEMM accumulates onto the broadcast bias (no separate addition pass).
            output = bias.map { rows.matmul(weightT, adding: $0.value) } ?? rows.matmul(weightT)
        }
        return input.rank == 2 ? output : output.reshaped(leading + [outputFeatures])
    }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Linear {
        Linear(weight: try clone(weight), bias: try clone(bias), trainingFlag: trainingFlag.map { clone($0) })
    }
}
