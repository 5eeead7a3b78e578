/// What a convolution primitive does to each element of its result before it returns, in this
/// order: adds the channel's `bias`, sets values below 0 to 0 (`relu`), and sets to 0 every value
/// where `mask` is 0. Each step rounds as the separate elementwise operation it replaces
/// (``BinaryOp/add``, ``UnaryOp/relu``, a select), so fusing changes no bit.
///
/// The CPU backend applies it to each image while that image is still in cache, instead of one
/// more pass over the whole result in memory; other backends may rely on the unfused default.
public struct ConvEpilogue: Sendable {
    /// One value per channel of the result (`outChannels` for a forward convolution, `inChannels`
    /// for an input gradient), contiguous; `nil` adds nothing.
    public var bias: (any DeviceBuffer)?
    /// Whether values below 0 are then set to 0 (NaN and −0 are kept, as ``UnaryOp/relu`` keeps them).
    public var relu: Bool
    /// Contiguous, the result's shape: where it is 0 the result is set to 0 (the gradient of a
    /// ReLU whose output is `mask`); `nil` keeps everything.
    public var mask: (any DeviceBuffer)?

    /// An epilogue; the default does nothing.
    public init(bias: (any DeviceBuffer)? = nil, relu: Bool = false, mask: (any DeviceBuffer)? = nil) {
        self.bias = bias
        self.relu = relu
        self.mask = mask
    }
}

/// The product ``Backend/conv2dGradients(_:input:gradOutput:weightGradient:biasGradient:product:)``
/// computes beside a weight gradient, from the same operands: into `result`, then `epilogue`.
public enum ConvProduct: Sendable {
    /// ``Backend/conv2dForward(_:input:weight:into:epilogue:)`` of `input`, the output's shape (a
    /// transposed convolution's input gradient).
    case forward(weight: any DeviceBuffer, result: any DeviceBuffer, epilogue: ConvEpilogue)
    /// ``Backend/conv2dBackwardInput(_:gradOutput:weight:into:epilogue:)`` of `gradOutput`, the
    /// input's shape (a convolution's input gradient).
    case inputGradient(weight: any DeviceBuffer, result: any DeviceBuffer, epilogue: ConvEpilogue)
}

/// A bias gradient computed beside a weight gradient: one value per channel in `result`, the sum
/// over the batch and the pixels of the convolution's `gradOutput` (a convolution's bias) or, with
/// `ofInput`, of its `input` (a transposed convolution's bias: its output's gradient is that input).
public struct ConvBiasGradient: Sendable {
    /// Contiguous, `outChannels` values (or `inChannels` with `ofInput`), overwritten.
    public var result: any DeviceBuffer
    /// Whether the sum is over the convolution's input rather than its output gradient.
    public var ofInput: Bool

    /// A bias gradient into `result`.
    public init(result: any DeviceBuffer, ofInput: Bool) {
        self.result = result
        self.ofInput = ofInput
    }
}
