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

    /// ``conv2dForward(_:input:weight:into:)``, then `epilogue` applied to `output` (its bias has
    /// `outChannels` values, its mask the output's shape): a layer's bias and ReLU, or the gradient
    /// of a ReLU whose output is the mask (in a transposed convolution's input gradient). A default
    /// implementation runs the convolution and then one elementwise pass per step; the CPU backend
    /// applies it to each image while it is in cache.
    func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer, epilogue: ConvEpilogue)

    /// ``conv2dBackwardInput(_:gradOutput:weight:into:)``, then `epilogue` applied to `gradInput`
    /// (its bias has `inChannels` values, its mask `gradInput`'s shape), as
    /// ``conv2dForward(_:input:weight:into:epilogue:)`` does: a transposed convolution's bias and
    /// ReLU, or the gradient of the ReLU that produced the convolution's input (the mask).
    func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer, epilogue: ConvEpilogue)

    /// Gradient of the convolution with respect to its weight: contiguous `input` and
    /// `gradOutput` into contiguous `gradWeight`, which is overwritten.
    func conv2dBackwardWeight(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        into gradWeight: any DeviceBuffer)

    /// A layer's gradients from a convolution's operands: the weight gradient
    /// (``conv2dBackwardWeight(_:input:gradOutput:into:)``), the bias gradient if asked, and the
    /// other `product` of the same operands if any. The results are those of the separate calls
    /// (the bias's up to the order of its sum); a default implementation makes them. The CPU backend
    /// runs them over each part of the batch in turn, so that the operands it reads from memory for
    /// one are in cache for the others, and sums the bias as the weight gradient (see
    /// CONTRIBUTING, "Summing rule").
    func conv2dGradients(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        weightGradient: any DeviceBuffer, biasGradient: ConvBiasGradient?, product: ConvProduct?)

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

    /// One SGD update over `count` contiguous elements, in place on `parameter` and, when
    /// `hyper.momentum > 0`, on `momentumBuffer` (which is then non-nil). A default
    /// implementation composes it from ``unary(_:_:_:into:)``, ``binary(_:_:_:_:_:into:)`` and
    /// ``copy(_:_:to:_:)``; a backend may fuse it into one pass.
    func sgdStep(
        parameter: any DeviceBuffer, gradient: any DeviceBuffer, momentumBuffer: (any DeviceBuffer)?,
        count: Int, hyper: SGDHyperparameters)

    /// Waits until all queued work on the device is complete.
    func synchronize()
}

extension Backend {
    /// The unfused form: the convolution, then one elementwise pass per step of the epilogue.
    public func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer, epilogue: ConvEpilogue
    ) {
        conv2dForward(geometry, input: input, weight: weight, into: output)
        apply(epilogue, to: output, shape: geometry.outputShape)
    }

    /// The unfused form: the input gradient, then one elementwise pass per step of the epilogue.
    public func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer, epilogue: ConvEpilogue
    ) {
        conv2dBackwardInput(geometry, gradOutput: gradOutput, weight: weight, into: gradInput)
        apply(epilogue, to: gradInput, shape: geometry.inputShape)
    }

    /// The separate calls: `product`, the weight gradient, then the bias's sum over the pixels and
    /// then over the batch.
    public func conv2dGradients(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        weightGradient: any DeviceBuffer, biasGradient: ConvBiasGradient?, product: ConvProduct?
    ) {
        switch product {
        case .forward(let weight, let result, let epilogue):
            conv2dForward(geometry, input: input, weight: weight, into: result, epilogue: epilogue)
        case .inputGradient(let weight, let result, let epilogue):
            conv2dBackwardInput(geometry, gradOutput: gradOutput, weight: weight, into: result, epilogue: epilogue)
        case nil: break
        }
        conv2dBackwardWeight(geometry, input: input, gradOutput: gradOutput, into: weightGradient)
        guard let biasGradient else { return }
        let shape = biasGradient.ofInput ? geometry.inputShape : geometry.outputShape
        let (batch, channels, pixels) = (shape[0], shape[1], shape[2] * shape[3])
        let source = biasGradient.ofInput ? input : gradOutput
        guard batch > 0, pixels > 0 else {
            fill(biasGradient.result, offset: 0, count: channels, value: 0)
            return
        }
        let perImage = allocate(count: batch * channels)
        reduce(.sum, source, offset: 0, outer: batch * channels, extent: pixels, inner: 1, into: perImage)
        reduce(.sum, perImage, offset: 0, outer: 1, extent: batch, inner: channels, into: biasGradient.result)
    }

    /// `epilogue` over the contiguous NCHW buffer `values` of `shape`, one pass per step, each
    /// through a temporary.
    private func apply(_ epilogue: ConvEpilogue, to values: any DeviceBuffer, shape: [Int]) {
        let layout = StridedLayout(contiguous: shape)
        func replace(_ write: (any DeviceBuffer) -> Void) {
            let result = allocate(count: layout.count)
            write(result)
            copy(result, layout, to: values, layout)
        }
        if let bias = epilogue.bias {
            let perChannel = StridedLayout(contiguous: [1, shape[1], 1, 1]).broadcast(to: shape)
            replace { binary(.add, values, layout, bias, perChannel, into: $0) }
        }
        if epilogue.relu { replace { unary(.relu, values, layout, into: $0) } }
        if let mask = epilogue.mask {
            let zero = allocate(count: 1)
            fill(zero, offset: 0, count: 1, value: 0)
            let zeros = StridedLayout(contiguous: [1]).broadcast(to: shape)
            replace { select(mask, layout, values, layout, zero, zeros, into: $0) }
        }
    }

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
