// 2-D convolution and transposed convolution over NCHW tensors (groups = 1), on the backend's
// three convolution primitives. The transposed convolution is the input gradient of a
// convolution, so the same three primitives serve both, forwards and backwards.

extension Tensor {
    /// 2-D cross-correlation (PyTorch's `conv2d`, groups = 1).
    ///
    /// - Parameters:
    ///   - weight: `[outChannels, inChannels, kernelH, kernelW]`.
    ///   - bias: `[outChannels]`, added to every output position, or `nil`.
    ///   - stride, padding, dilation: (height, width); stride and dilation ≥ 1, padding ≥ 0
    ///     (zeros on both sides).
    /// - Returns: `[batch, outChannels, outH, outW]` for input `[batch, inChannels, H, W]`, with
    ///   `outH = (H + 2·padH − dilationH·(kernelH − 1) − 1) / strideH + 1` (likewise W). A 3-D
    ///   input `[inChannels, H, W]` gives a 3-D result.
    ///
    /// Misuse (ranks, channel counts, bias length, an empty output, bad hyper-parameters,
    /// different devices) is reported naming the input, weight and bias shapes.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)
    ) -> Tensor {
        conv2d(
            weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, maskingInputGradient: false,
            thenReLU: false, reluGradientMaskedByConsumer: false)
    }

    /// ``conv2d(weight:bias:stride:padding:dilation:)``; with `maskingInputGradient`, `self` is the
    /// output of a ReLU whose gradient this convolution applies: the gradient it passes to `self`
    /// is 0 wherever `self` is 0, computed in the same pass (the ReLU then passes its gradient on
    /// unchanged, see ``reluAfterAdding(_:gradientMaskedByConsumer:)``). For layers that fuse a
    /// ReLU with the convolution consuming its output, when nothing else consumes it.
    ///
    /// With `thenReLU`, the result is `relu(conv + bias)`, the ReLU applied in the convolution's own
    /// pass (see ``ConvEpilogue``); with `reluGradientMaskedByConsumer` as well, the only consumer of
    /// the result applies that ReLU's gradient itself (see
    /// ``reluAfterAdding(_:gradientMaskedByConsumer:)``).
    package func conv2d(
        weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int),
        maskingInputGradient: Bool, thenReLU: Bool, reluGradientMaskedByConsumer: Bool
    ) -> Tensor {
        let op = "conv2d"
        if rank == 3 {
            return unsqueezed(axis: 0).conv2d(
                weight: weight, bias: bias, stride: stride, padding: padding,
                dilation: dilation, maskingInputGradient: maskingInputGradient, thenReLU: thenReLU,
                reluGradientMaskedByConsumer: reluGradientMaskedByConsumer
            ).squeezed(axis: 0)
        }
        let describe = "input \(shape), weight \(weight.shape)" + (bias.map { ", bias \($0.shape)" } ?? "")
        let fallback = [shape.first ?? 0, weight.shape.first ?? 0, 1, 1]
        guard
            validConvolutionOperands(
                weight: weight, bias: bias, channelAxis: 1, weightLayout: "[O, C, kH, kW]", op: op, describe: describe)
        else { return placeholder(fallback) }
        let geometry = ConvGeometry(
            batch: shape[0], inChannels: shape[1], height: shape[2], width: shape[3],
            outChannels: weight.shape[0], kernelH: weight.shape[2], kernelW: weight.shape[3],
            strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
            dilationH: dilation.0, dilationW: dilation.1)
        guard Tensor.validConvolution(geometry, bias: bias, biasLength: geometry.outChannels, op: op, describe: describe) else {
            return placeholder(fallback)
        }
        return convolveAndRecord(
            op: op, transposed: false, weight: weight, bias: bias, geometry, maskingInputGradient: maskingInputGradient,
            thenReLU: thenReLU, reluGradientMaskedByConsumer: reluGradientMaskedByConsumer)
    }

    /// 2-D transposed convolution (PyTorch's `conv_transpose2d`, groups = 1): the gradient of
    /// ``conv2d(weight:bias:stride:padding:dilation:)`` with respect to its input.
    ///
    /// - Parameters:
    ///   - weight: `[inChannels, outChannels, kernelH, kernelW]` (PyTorch's layout).
    ///   - bias: `[outChannels]` or `nil`.
    ///   - outputPadding: extra rows/columns on the bottom/right of the output, each smaller
    ///     than the stride.
    /// - Returns: `[batch, outChannels, outH, outW]` for input `[batch, inChannels, H, W]`, with
    ///   `outH = (H − 1)·strideH − 2·padH + dilationH·(kernelH − 1) + outputPaddingH + 1`. A 3-D
    ///   input gives a 3-D result.
    ///
    /// Misuse is reported naming the input, weight and bias shapes.
    public func convTranspose2d(
        weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1)
    ) -> Tensor {
        convTranspose2d(
            weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
            dilation: dilation, maskingInputGradient: false, thenReLU: false, reluGradientMaskedByConsumer: false)
    }

    /// ``convTranspose2d(weight:bias:stride:padding:outputPadding:dilation:)``, with
    /// `maskingInputGradient`, `thenReLU` and `reluGradientMaskedByConsumer` as in
    /// ``conv2d(weight:bias:stride:padding:dilation:maskingInputGradient:thenReLU:reluGradientMaskedByConsumer:)``.
    package func convTranspose2d(
        weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int),
        dilation: (Int, Int), maskingInputGradient: Bool, thenReLU: Bool, reluGradientMaskedByConsumer: Bool
    ) -> Tensor {
        let op = "convTranspose2d"
        if rank == 3 {
            return unsqueezed(axis: 0).convTranspose2d(
                weight: weight, bias: bias, stride: stride, padding: padding,
                outputPadding: outputPadding, dilation: dilation, maskingInputGradient: maskingInputGradient,
                thenReLU: thenReLU, reluGradientMaskedByConsumer: reluGradientMaskedByConsumer
            ).squeezed(axis: 0)
        }
        let describe = "input \(shape), weight \(weight.shape)" + (bias.map { ", bias \($0.shape)" } ?? "")
        let fallback = [shape.first ?? 0, weight.rank > 1 ? weight.shape[1] : 0, 1, 1]
        guard
            validConvolutionOperands(
                weight: weight, bias: bias, channelAxis: 0, weightLayout: "[C, O, kH, kW]", op: op, describe: describe)
        else { return placeholder(fallback) }
        guard (0..<Swift.max(stride.0, 1)).contains(outputPadding.0), (0..<Swift.max(stride.1, 1)).contains(outputPadding.1)
        else {
            reportTensorFailure(
                TensorError(
                    .invalidArgument, op: op,
                    "output padding \(outputPadding) must be non-negative and smaller "
                        + "than the stride \(stride): \(describe)"))
            return placeholder(fallback)
        }
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let outH = (shape[2] - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
        let outW = (shape[3] - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
        // The convolution whose input gradient this is: input [N, outChannels, outH, outW],
        // weight [inChannels, outChannels, kH, kW], output [N, inChannels, H, W].
        let geometry = ConvGeometry(
            batch: shape[0], inChannels: weight.shape[1], height: outH, width: outW,
            outChannels: weight.shape[0], kernelH: kh, kernelW: kw,
            strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
            dilationH: dilation.0, dilationW: dilation.1)
        guard outH >= 1, outW >= 1 else {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: op,
                    "the output size \(outH)×\(outW) is not positive: \(describe), "
                        + "stride \(stride), padding \(padding), dilation \(dilation)"))
            return placeholder(fallback)
        }
        guard Tensor.validConvolution(geometry, bias: bias, biasLength: weight.shape[1], op: op, describe: describe) else {
            return placeholder(fallback)
        }
        return convolveAndRecord(
            op: op, transposed: true, weight: weight, bias: bias, geometry, maskingInputGradient: maskingInputGradient,
            thenReLU: thenReLU, reluGradientMaskedByConsumer: reluGradientMaskedByConsumer)
    }

    /// The convolution (or, `transposed`, the transposed convolution: the input gradient of
    /// `geometry`'s convolution) of `self` with `weight` and `bias`, then the ReLU with `thenReLU`,
    /// recorded for the backward pass: the ReLU's gradient (unless its consumer applies it), then
    /// both gradients from the operands in one pass (see ``convolutionGradients``), the input's
    /// zeroed where `self` is 0 with `maskingInputGradient`, and the bias's.
    private func convolveAndRecord(
        op: String, transposed: Bool, weight: Tensor, bias: Tensor?, _ geometry: ConvGeometry,
        maskingInputGradient: Bool, thenReLU: Bool, reluGradientMaskedByConsumer: Bool
    ) -> Tensor {
        let epilogue = ConvolutionEpilogue(bias: bias, relu: thenReLU)
        let result =
            transposed
            ? Tensor.convolutionInputGradient(gradOutput: self, weight: weight, geometry, epilogue: epilogue)
            : Tensor.convolutionForward(input: self, weight: weight, geometry, epilogue: epilogue)
        let (x, w) = (detached(), weight.detached())
        let (needX, needW) = (needsGradient, weight.needsGradient)
        let relu = ConvolutionEpilogue.ReLUGradient(thenReLU && !reluGradientMaskedByConsumer, output: result)
        // A transposed convolution's bias is summed over its output's gradient, which is the
        // convolution's input.
        let biasGradient = ConvolutionEpilogue.BiasGradient(bias, ofInput: transposed)
        let recordedAs = thenReLU ? op + "+relu" : op
        return Tensor.recorded(result, op: recordedAs, inputs: [self, weight] + (bias.map { [$0] } ?? [])) { g in
            let g = relu.apply(to: g)
            // The convolution's operands: its input and the gradient of its output. A transposed
            // convolution's input is that gradient, and its input gradient a convolution forward.
            let (input, gradOutput) = transposed ? (g, x) : (x, g)
            return Tensor.convolutionGradients(
                input: input, gradOutput: gradOutput, weight: w, geometry,
                product: needX ? (transposed ? .forward : .inputGradient) : nil, needW: needW, bias: biasGradient,
                epilogue: ConvolutionEpilogue(mask: maskingInputGradient ? x : nil))
        }
    }

    /// Checks the operands of a convolution or transposed convolution, reporting misuse: one device,
    /// a 4-D input and a 4-D weight (dimensions named `weightLayout` in the message), and the input's
    /// channels equal to weight dimension `channelAxis`.
    private func validConvolutionOperands(
        weight: Tensor, bias: Tensor?, channelAxis: Int, weightLayout: String, op: String, describe: String
    ) -> Bool {
        guard checkSameDevice([weight] + (bias.map { [$0] } ?? []), op: op) else { return false }
        guard rank == 4, weight.rank == 4 else {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: op, "expected a 4-D input [N, C, H, W] and a 4-D weight \(weightLayout): \(describe)"))
            return false
        }
        guard shape[1] == weight.shape[channelAxis] else {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: op,
                    "input has \(shape[1]) channels but the weight expects \(weight.shape[channelAxis]): \(describe)"))
            return false
        }
        return true
    }

    /// Checks hyper-parameters, output size and bias of a convolution geometry, reporting misuse.
    private static func validConvolution(
        _ g: ConvGeometry, bias: Tensor?, biasLength: Int, op: String,
        describe: String
    ) -> Bool {
        guard g.strideH >= 1, g.strideW >= 1, g.dilationH >= 1, g.dilationW >= 1, g.padH >= 0, g.padW >= 0 else {
            reportTensorFailure(
                TensorError(
                    .invalidArgument, op: op,
                    "stride (\(g.strideH), \(g.strideW)) and dilation "
                        + "(\(g.dilationH), \(g.dilationW)) must be ≥ 1 and padding (\(g.padH), \(g.padW)) ≥ 0: \(describe)"))
            return false
        }
        guard g.kernelH >= 1, g.kernelW >= 1, g.height > 0, g.width > 0, g.outHeight >= 1, g.outWidth >= 1 else {
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: op,
                    "the kernel does not fit: \(describe), stride (\(g.strideH), \(g.strideW)), "
                        + "padding (\(g.padH), \(g.padW)), dilation (\(g.dilationH), \(g.dilationW))"))
            return false
        }
        if let bias, bias.shape != [biasLength] {
            reportTensorFailure(TensorError(.shapeMismatch, op: op, "bias must have shape [\(biasLength)]: \(describe)"))
            return false
        }
        return true
    }

    // The three primitives on contiguous operands (`contiguous()` also moves the first element to
    // offset 0, as the backend's convolution primitives take whole buffers). Not recorded.

    /// Convolution forward, then `epilogue` (its bias `[outChannels]`, its mask the output's shape).
    static func convolutionForward(
        input: Tensor, weight: Tensor, _ geometry: ConvGeometry, epilogue: ConvolutionEpilogue = ConvolutionEpilogue()
    ) -> Tensor {
        let (x, w) = (input.detached().contiguous(), weight.detached().contiguous())
        let out = Tensor.uninitialized(geometry.outputShape, backend: x.backend)
        if out.count > 0 {
            x.backend.conv2dForward(
                geometry, input: x.storage.buffer, weight: w.storage.buffer, into: out.storage.buffer,
                epilogue: epilogue.buffers)
        }
        return out
    }

    /// Gradient of a convolution with respect to its input, then `epilogue` (its bias
    /// `[inChannels]`, its mask the input's shape).
    static func convolutionInputGradient(
        gradOutput: Tensor, weight: Tensor, _ geometry: ConvGeometry,
        epilogue: ConvolutionEpilogue = ConvolutionEpilogue()
    ) -> Tensor {
        let (g, w) = (gradOutput.detached().contiguous(), weight.detached().contiguous())
        let out = Tensor.uninitialized(geometry.inputShape, backend: g.backend)
        if out.count > 0 {
            g.backend.conv2dBackwardInput(
                geometry, gradOutput: g.storage.buffer, weight: w.storage.buffer, into: out.storage.buffer,
                epilogue: epilogue.buffers)
        }
        return out
    }

    /// Which product of a convolution's operands a layer's backward pass wants beside the weight
    /// gradient (see ``ConvProduct``).
    enum ProductKind { case forward, inputGradient }

    /// A layer's gradients from the convolution's operands `input` and `gradOutput`, in the order
    /// of the recorded inputs: `product` (if any) with `weight`, then `epilogue` (the forward of
    /// `input` for a transposed convolution, the input gradient of `gradOutput` for a
    /// convolution); the weight gradient with `needW`; the bias's (`ofInput`: the sum of `input`,
    /// else of `gradOutput`), an entry only when there is a bias. All in one pass over the batch
    /// when the weight gradient is wanted (see
    /// ``Backend/conv2dGradients(_:input:gradOutput:weightGradient:biasGradient:product:)``).
    static func convolutionGradients(
        input: Tensor, gradOutput: Tensor, weight: Tensor, _ geometry: ConvGeometry, product: ProductKind?,
        needW: Bool, bias: ConvolutionEpilogue.BiasGradient, epilogue: ConvolutionEpilogue
    ) -> [Tensor?] {
        guard needW else {
            let result: Tensor? =
                switch product {
                case .forward: convolutionForward(input: input, weight: weight, geometry, epilogue: epilogue)
                case .inputGradient:
                    convolutionInputGradient(gradOutput: gradOutput, weight: weight, geometry, epilogue: epilogue)
                case nil: nil
                }
            return [result, nil] + bias.of(bias.ofInput ? input : gradOutput)
        }
        let (x, g, w) = (input.detached().contiguous(), gradOutput.detached().contiguous(), weight.detached().contiguous())
        let backend = x.backend
        let weightGradient = Tensor.uninitialized(geometry.weightShape, backend: backend)
        let result = product.map {
            Tensor.uninitialized($0 == .forward ? geometry.outputShape : geometry.inputShape, backend: backend)
        }
        let biasResult = bias.needed ? Tensor.uninitialized([bias.count], backend: backend) : nil
        let request: ConvProduct? = result.map { result in
            product == .forward
                ? .forward(weight: w.storage.buffer, result: result.storage.buffer, epilogue: epilogue.buffers)
                : .inputGradient(weight: w.storage.buffer, result: result.storage.buffer, epilogue: epilogue.buffers)
        }
        backend.conv2dGradients(
            geometry, input: x.storage.buffer, gradOutput: g.storage.buffer, weightGradient: weightGradient.storage.buffer,
            biasGradient: biasResult.map { ConvBiasGradient(result: $0.storage.buffer, ofInput: bias.ofInput) },
            product: request)
        guard let shape = bias.shape else { return [result, weightGradient] }
        return [result, weightGradient, biasResult?.reshaped(shape)]
    }
}

/// The tensors of a ``ConvEpilogue`` (made contiguous), and the gradients of its bias and ReLU.
struct ConvolutionEpilogue {
    var bias: Tensor?
    var relu = false
    var mask: Tensor?

    /// The backend's epilogue over the tensors' buffers, each contiguous from offset 0.
    var buffers: ConvEpilogue {
        ConvEpilogue(
            bias: bias.map { $0.detached().contiguous().storage.buffer }, relu: relu,
            mask: mask.map { $0.detached().contiguous().storage.buffer })
    }

    /// The ReLU's part of the backward pass: the upstream gradient where the output is non-zero
    /// (as ``Tensor/reluAfterAdding(_:)`` passes it), or unchanged when `applies` is false (no
    /// ReLU, or its consumer applies the gradient).
    struct ReLUGradient {
        let output: Tensor?

        init(_ applies: Bool, output: Tensor) { self.output = applies ? output : nil }

        func apply(to gradient: Tensor) -> Tensor {
            output.map { gradient.applySelect(where: $0, else: 0) } ?? gradient
        }
    }

    /// What the backward pass needs of a bias: its shape (`nil`: no bias), whether it needs a
    /// gradient, and which operand of the convolution its gradient sums (`ofInput`: the input, for
    /// a transposed convolution), taken before recording so that the closure holds no tensor with
    /// history.
    struct BiasGradient {
        let shape: [Int]?
        let needed: Bool
        let ofInput: Bool

        init(_ bias: Tensor?, ofInput: Bool) {
            (shape, needed, self.ofInput) = (bias?.shape, bias?.needsGradient ?? false, ofInput)
        }

        /// Elements of the bias.
        var count: Int { shape?.reduce(1, *) ?? 0 }

        /// `gradient` `[N, C, H, W]` summed to the bias's `[C]` as a broadcast addition's is: no
        /// entry without a bias, `nil` when it needs no gradient.
        func of(_ gradient: Tensor) -> [Tensor?] {
            guard let shape else { return [] }
            return [needed ? gradient.sum(toShape: [1, count, 1, 1]).reshaped(shape) : nil]
        }
    }
}
