/// Geometry of a 2-D convolution over NCHW input and OIHW weight (groups = 1).
///
/// The forward output is `[batch, outChannels, outHeight, outWidth]` with
/// `outHeight = (height + 2·padH − dilationH·(kernelH − 1) − 1) / strideH + 1` (likewise width).
public struct ConvGeometry: Hashable, Sendable {
    /// Images in the batch (N).
    public var batch: Int
    /// Channels of the input (C), also the weight's second dimension.
    public var inChannels: Int
    /// Input height in pixels (H), before padding.
    public var height: Int
    /// Input width in pixels (W), before padding.
    public var width: Int
    /// Channels of the output (O), the weight's first dimension.
    public var outChannels: Int
    /// Kernel height in pixels.
    public var kernelH: Int
    /// Kernel width in pixels.
    public var kernelW: Int
    /// Vertical step between output pixels, in input pixels (at least 1).
    public var strideH: Int
    /// Horizontal step between output pixels, in input pixels (at least 1).
    public var strideW: Int
    /// Zero rows added above and below the input.
    public var padH: Int
    /// Zero columns added left and right of the input.
    public var padW: Int
    /// Vertical spacing of the kernel taps, in input pixels (1 is a dense kernel).
    public var dilationH: Int
    /// Horizontal spacing of the kernel taps, in input pixels (1 is a dense kernel).
    public var dilationW: Int

    /// The geometry of convolving `[batch, inChannels, height, width]` with
    /// `[outChannels, inChannels, kernelH, kernelW]`; stride and dilation default to 1, padding to 0.
    /// Nothing is validated here (``Tensor/conv2d(weight:bias:stride:padding:dilation:)`` checks).
    public init(
        batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
        kernelH: Int, kernelW: Int, strideH: Int = 1, strideW: Int = 1,
        padH: Int = 0, padW: Int = 0, dilationH: Int = 1, dilationW: Int = 1
    ) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW; self.padH = padH; self.padW = padW
        self.dilationH = dilationH; self.dilationW = dilationW
    }

    /// Output height in pixels: `(height + 2·padH − dilationH·(kernelH − 1) − 1) / strideH + 1`
    /// (below 1 when the kernel does not fit).
    public var outHeight: Int { (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
    /// Output width in pixels: `(width + 2·padW − dilationW·(kernelW − 1) − 1) / strideW + 1`
    /// (below 1 when the kernel does not fit).
    public var outWidth: Int { (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }
    /// `[batch, inChannels, height, width]` (NCHW).
    public var inputShape: [Int] { [batch, inChannels, height, width] }
    /// `[outChannels, inChannels, kernelH, kernelW]` (OIHW).
    public var weightShape: [Int] { [outChannels, inChannels, kernelH, kernelW] }
    /// `[batch, outChannels, outHeight, outWidth]` (NCHW).
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
}
