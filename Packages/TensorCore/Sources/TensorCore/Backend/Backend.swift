/// Memory owned by a backend: `count` Float32 elements on one device.
///
/// Buffers are created only by ``Backend/allocate(count:)`` and handed back to the same
/// backend's operations, which downcast them to their concrete type.
public protocol DeviceBuffer: AnyObject, Sendable {
    /// Capacity in elements.
    var count: Int { get }
}

/// Elementwise operations with one tensor operand (and optional scalar parameters).
public enum UnaryOp: Hashable, Sendable {
    /// `-x`
    case neg
    /// `e^x`
    case exp
    /// Natural logarithm `ln x` (NaN below 0, `-inf` at 0).
    case log
    /// `√x` (NaN below 0).
    case sqrt
    /// `|x|`
    case abs
    /// `max(x, 0)`
    case relu
    /// Hyperbolic tangent, in (-1, 1).
    case tanh
    /// Logistic function `1 / (1 + e^-x)`, in (0, 1).
    case sigmoid
    /// `ln(1 + e^x)`, computed without overflow for large `x`.
    case softplus
    /// `-1`, `0` or `1` by the sign of `x` (NaN stays NaN).
    case sign
    /// `x + c`
    case addScalar(Float)
    /// `x · c`
    case mulScalar(Float)
    /// `c / x`
    case reciprocalScaled(Float)
    /// `x ^ p`
    case powScalar(Float)
    /// `min(max(x, low), high)`
    case clamp(low: Float, high: Float)
    /// `1` where `x > c`, else `0`.
    case greaterThanScalar(Float)
}

/// Elementwise operations with two tensor operands of one (broadcast) shape.
/// Comparisons yield `1` for true and `0` for false.
public enum BinaryOp: Hashable, Sendable {
    /// `a + b`
    case add
    /// `a - b`
    case sub
    /// `a · b`
    case mul
    /// `a / b` (IEEE 754: ±inf or NaN for a zero divisor).
    case div
    /// `a ^ b`
    case pow
    /// The larger of `a` and `b`; NaN when either is NaN.
    case maximum
    /// The smaller of `a` and `b`; NaN when either is NaN.
    case minimum
    /// `a == b`
    case equal
    /// `a != b`
    case notEqual
    /// `a < b`
    case less
    /// `a <= b`
    case lessEqual
    /// `a > b`
    case greater
    /// `a >= b`
    case greaterEqual
}

/// Reductions over the middle axis of a contiguous `[outer, extent, inner]` block.
/// `argmax`/`argmin` write the index (as Float) of the first extreme element.
public enum ReduceOp: Hashable, Sendable {
    /// Sum of the extent (accumulated in double precision on the CPU).
    case sum
    /// Largest element; NaN when the extent holds a NaN.
    case max
    /// Smallest element; NaN when the extent holds a NaN.
    case min
    /// Index of the first largest element (a NaN counts as the largest).
    case argmax
    /// Index of the first smallest element (a NaN counts as the smallest).
    case argmin
}

/// Random distributions a backend fills buffers with (see ``Backend/fillRandom(_:count:distribution:key:counter:)``).
public enum RandomDistribution: Hashable, Sendable {
    /// Uniform on `[low, high)`.
    case uniform(low: Float, high: Float)
    /// Normal with the given mean and standard deviation (Box–Muller).
    case normal(mean: Float, std: Float)
}

/// Key of the counter-based Philox4x32-10 generator: `seed` is the 64-bit Philox key and `stream`
/// the high 64 bits of the 128-bit counter, so distinct streams never overlap.
public struct PhiloxKey: Hashable, Sendable {
    /// The 64-bit Philox key.
    public var seed: UInt64
    /// The high 64 bits of the 128-bit counter; each stream is an independent sequence.
    public var stream: UInt64

    /// The key `seed` on stream `stream` (stream 0 by default).
    public init(seed: UInt64, stream: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
    }
}

/// A (batched, strided) matrix product `C = alpha · op(A) · op(B) + beta · C` in row-major storage.
///
/// `op(A)` is `m × k` (A stored `k × m` when `transposeA`), `op(B)` is `k × n`, C is `m × n`.
/// Leading dimensions are row strides in elements. For `batch > 1`, matrix `i` starts at
/// `offset + i · batchStride` in each buffer (a batch stride of 0 reuses one matrix).
public struct GemmDescriptor: Hashable, Sendable {
    /// Rows of `op(A)` and of C.
    public var m: Int
    /// Columns of `op(B)` and of C.
    public var n: Int
    /// Columns of `op(A)`, rows of `op(B)`: the length of each dot product.
    public var k: Int
    /// Whether A is stored transposed (`k × m`), so that `op(A) = Aᵀ`.
    public var transposeA: Bool
    /// Whether B is stored transposed (`n × k`), so that `op(B) = Bᵀ`.
    public var transposeB: Bool
    /// Scale of the product `op(A) · op(B)`.
    public var alpha: Float
    /// Scale of C's previous contents; with `0` C is overwritten without being read (NaN in C
    /// does not propagate).
    public var beta: Float
    /// Element offset of the first matrix in A's buffer.
    public var offsetA: Int
    /// Element offset of the first matrix in B's buffer.
    public var offsetB: Int
    /// Element offset of the first matrix in C's buffer.
    public var offsetC: Int
    /// Row stride of A as stored, in elements (at least `m` when `transposeA`, else `k`).
    public var lda: Int
    /// Row stride of B as stored, in elements (at least `k` when `transposeB`, else `n`).
    public var ldb: Int
    /// Row stride of C, in elements (at least `n`).
    public var ldc: Int
    /// Number of independent products.
    public var batch: Int
    /// Elements between consecutive A matrices of the batch (0 reuses one matrix).
    public var batchStrideA: Int
    /// Elements between consecutive B matrices of the batch (0 reuses one matrix).
    public var batchStrideB: Int
    /// Elements between consecutive C matrices of the batch.
    public var batchStrideC: Int

    /// A product of `m × k` by `k × n`; the leading dimensions default to densely packed rows
    /// (`lda` = `m` or `k`, `ldb` = `k` or `n`, `ldc` = `n`), the rest to one plain product
    /// `C = op(A) · op(B)`.
    public init(
        m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0,
        offsetA: Int = 0, offsetB: Int = 0, offsetC: Int = 0,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        batch: Int = 1, batchStrideA: Int = 0, batchStrideB: Int = 0, batchStrideC: Int = 0
    ) {
        self.m = m; self.n = n; self.k = k
        self.transposeA = transposeA; self.transposeB = transposeB
        self.alpha = alpha; self.beta = beta
        self.offsetA = offsetA; self.offsetB = offsetB; self.offsetC = offsetC
        self.lda = lda ?? (transposeA ? m : k)
        self.ldb = ldb ?? (transposeB ? k : n)
        self.ldc = ldc ?? n
        self.batch = batch
        self.batchStrideA = batchStrideA; self.batchStrideB = batchStrideB; self.batchStrideC = batchStrideC
    }
}

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

/// Hyper-parameters of one fused Adam(W) update (PyTorch semantics, see ``Backend/adamStep(parameter:gradient:firstMoment:secondMoment:count:hyper:)``).
public struct AdamHyperparameters: Hashable, Sendable {
    /// Step size (lr).
    public var learningRate: Float
    /// Decay rate of the first-moment (mean) estimate, in [0, 1).
    public var beta1: Float
    /// Decay rate of the second-moment (uncentred variance) estimate, in [0, 1).
    public var beta2: Float
    /// Added to the square root of the bias-corrected second moment to avoid division by zero.
    public var epsilon: Float
    /// L2 penalty added to the gradient (Adam) or decoupled decay (AdamW when `decoupled`).
    public var weightDecay: Float
    /// `true` for AdamW: the parameter is multiplied by `1 − learningRate · weightDecay` before
    /// the update instead of `weightDecay · parameter` being added to the gradient.
    public var decoupledWeightDecay: Bool
    /// 1-based step number used for bias correction.
    public var step: Int

    /// The settings of update number `step` (1-based); the defaults are PyTorch's Adam defaults
    /// without weight decay.
    public init(
        learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, decoupledWeightDecay: Bool = false, step: Int
    ) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        self.weightDecay = weightDecay; self.decoupledWeightDecay = decoupledWeightDecay; self.step = step
    }
}

/// The closed set of primitive operations every device implements.
///
/// Composite operations (softmax, losses, layers) and every gradient rule are written once in
/// ``Tensor`` operations above this protocol, so a new backend gets them for free.
///
/// Conventions: buffers come from this backend's ``allocate(count:)``; "into" buffers are
/// contiguous row-major outputs that the caller allocated with enough room; inputs are described by
/// ``StridedLayout``s. Shape checking happens in ``Tensor`` before a backend is called: backends may
/// assume valid arguments. Operations are ordered: a later call sees an earlier call's writes, and
/// ``download(_:offset:into:)`` waits for all earlier work.
public protocol Backend: AnyObject, Sendable {
    /// The device this backend computes on.
    var device: Device { get }

    /// A human-readable name, e.g. `"CPU (AVX-512, 2 threads)"`.
    var name: String { get }

    /// A buffer of `count` Float32 elements with unspecified contents.
    func allocate(count: Int) -> any DeviceBuffer

    /// Copies host values into `buffer` starting at element `offset`.
    func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int)

    /// Copies `destination.count` elements starting at element `offset` of `buffer` to the host.
    func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>)

    /// Sets `count` elements starting at `offset` to `value`.
    func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float)

    /// Copies the elements of `source` (read through `sourceLayout`) to `destination` (written
    /// through `destinationLayout`); both layouts have the same shape. Destination elements must
    /// not alias each other.
    func copy(
        _ source: any DeviceBuffer, _ sourceLayout: StridedLayout,
        to destination: any DeviceBuffer, _ destinationLayout: StridedLayout)

    /// `out[i] = op(x[i])` with `out` contiguous of `xLayout.shape`.
    func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer)

    /// `out[i] = a[i] op b[i]`; both layouts already have the output shape (broadcast dims have stride 0).
    func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer)

    /// `out[i] = post(a[i] op b[i])`: ``binary(_:_:_:_:_:into:)`` followed by ``unary(_:_:_:into:)``
    /// on its result, giving the same values, in one pass where the backend fuses them (a bias
    /// addition followed by a ReLU, say). A default implementation makes the two calls.
    func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, then post: UnaryOp, into out: any DeviceBuffer)
    /// `out[i] = condition[i] != 0 ? a[i] : b[i]`; all layouts have the output shape.
    func select(
        _ condition: any DeviceBuffer, _ conditionLayout: StridedLayout,
        _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer)

    /// Reduces the contiguous block `x[offset ..< offset + outer·extent·inner]`, viewed as
    /// `[outer, extent, inner]`, over its middle axis into contiguous `out[outer, inner]`.
    /// `extent` is at least 1.
    func reduce(
        _ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner: Int,
        into out: any DeviceBuffer)

    /// Batched matrix product, see ``GemmDescriptor``.
    func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer)

    /// Convolution forward: contiguous `input` and `weight` into contiguous `output` (no bias).
    func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer)

    /// Gradient of the convolution with respect to its input (the transposed convolution):
    /// contiguous `gradOutput` and `weight` into contiguous `gradInput`, which is overwritten.
    func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer)

    /// Gradient of the convolution with respect to its weight: contiguous `input` and
    /// `gradOutput` into contiguous `gradWeight`, which is overwritten.
    func conv2dBackwardWeight(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        into gradWeight: any DeviceBuffer)

    /// Fills `count` contiguous elements with Philox4x32-10 numbers. Element `i` uses word
    /// `i % 4` of the block at counter `(key.stream << 64) | (counter + i / 4)`; normals pair words
    /// (0, 1) and (2, 3) of a block through Box–Muller. Identical on every backend.
    func fillRandom(
        _ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution,
        key: PhiloxKey, counter: UInt64)

    /// One fused Adam update over `count` contiguous elements, in place on `parameter`,
    /// `firstMoment` and `secondMoment`.
    func adamStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
        secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters)

    /// Waits until all queued work on the device is complete.
    func synchronize()
}

extension Backend {
    /// The unfused form: the binary operation into a temporary buffer, then the unary one.
    public func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, then post: UnaryOp, into out: any DeviceBuffer
    ) {
        let intermediate = allocate(count: aLayout.count)
        binary(op, a, aLayout, b, bLayout, into: intermediate)
        unary(post, intermediate, StridedLayout(contiguous: aLayout.shape), into: out)
    }
}
