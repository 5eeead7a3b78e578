import TensorCore

/// A 2-D convolution over NCHW inputs (PyTorch's `nn.Conv2d`, groups = 1, zero padding).
///
/// Shapes: input `[N, inChannels, H, W]` (or unbatched `[inChannels, H, W]`), output
/// `[N, outChannels, H′, W′]` with `H′ = (H + 2·padding − dilation·(kernel − 1) − 1) / stride + 1`
/// (likewise W′); ``weight`` is `[outChannels, inChannels, kernelH, kernelW]`, ``bias`` `[outChannels]`.
/// Pairs are (height, width). Initialisation as PyTorch: weight and bias `~ U(−1/√fan_in, 1/√fan_in)`
/// with `fan_in = inChannels · kernelH · kernelW`.
public final class Conv2d: Layer, ConvolutionLayer {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// Kernel extent in pixels, (height, width).
    public let kernelSize: (height: Int, width: Int)
    /// Step between applications of the kernel, in input pixels.
    public let stride: (height: Int, width: Int)
    /// Zeros added on each side of the input, in pixels.
    public let padding: (height: Int, width: Int)
    /// Spacing between kernel taps (1: contiguous).
    public let dilation: (height: Int, width: Int)
    /// `[outChannels, inChannels, kernelH, kernelW]`.
    public let weight: Parameter
    /// `[outChannels]`, or `nil` for a layer without bias.
    public let bias: Parameter?
    public let trainingFlag: TrainingFlag?

    /// A square-kernel convolution created on `device` (the CPU by default) with PyTorch's default
    /// initialisation from `generator`; see the (height, width) initialiser.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
        padding: Int = 0, dilation: Int = 1, bias: Bool = true,
        generator: RandomGenerator = .default, device: Device = .cpu
    ) {
        self.init(
            inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
            padding: (padding, padding), dilation: (dilation, dilation), bias: bias, generator: generator,
            device: device)
    }

    /// A convolution with (height, width) hyper-parameters created on `device` (the CPU by default),
    /// with PyTorch's default initialisation from `generator` (the same numbers on every device for
    /// the same generator state).
    ///
    /// Non-positive channel counts or kernel sizes are reported as a ``TensorError``. `device` must
    /// be available: check it with ``Device/checkAvailable()`` where it is chosen (an unavailable
    /// device stops the process as a programmer error).
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), bias: Bool = true,
        generator: RandomGenerator = .default, device: Device = .cpu
    ) {
        let (weight, bias) = convolutionParameters(
            weightShape: [outChannels, inChannels, kernelSize.0, kernelSize.1], outputDimension: 0,
            op: "Conv2d", bias: bias, generator: generator, device: device)
        self.init(
            weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
            trainingFlag: TrainingFlag())
    }

    /// A convolution with the given values: `weight` `[out, in, kH, kW]`, `bias` `[out]` or `nil`.
    /// Shape misuse is reported by the forward pass.
    public convenience init(
        weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1)
    ) {
        self.init(
            weight: Parameter(weight), bias: bias.map(Parameter.init), stride: stride, padding: padding,
            dilation: dilation, trainingFlag: TrainingFlag())
    }

    private init(
        weight: Parameter, bias: Parameter?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int),
        trainingFlag: TrainingFlag?
    ) {
        let shape = weight.shape.count == 4 ? weight.shape : [0, 0, 0, 0]
        (outChannels, inChannels) = (shape[0], shape[1])
        kernelSize = (shape[2], shape[3])
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.weight = weight
        self.bias = bias
        self.trainingFlag = trainingFlag
    }

    /// The convolution of `input` (`[N, inChannels, H, W]` or `[inChannels, H, W]`); misuse is
    /// reported as a ``TensorError`` naming the shapes.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        call(input, applyingReLUGradient: false)
    }

    func convolve(_ input: Tensor, thenReLU: Bool, gradientMaskedByConsumer: Bool, applyingReLUGradient: Bool) -> Tensor {
        input.conv2d(
            weight: weight.value, bias: bias?.value, stride: (stride.height, stride.width),
            padding: (padding.height, padding.width), dilation: (dilation.height, dilation.width),
            maskingInputGradient: applyingReLUGradient, thenReLU: thenReLU,
            reluGradientMaskedByConsumer: gradientMaskedByConsumer)
    }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Conv2d {
        Conv2d(
            weight: try clone(weight), bias: try clone(bias), stride: (stride.height, stride.width),
            padding: (padding.height, padding.width), dilation: (dilation.height, dilation.width),
            trainingFlag: trainingFlag.map { clone($0) })
    }
}
