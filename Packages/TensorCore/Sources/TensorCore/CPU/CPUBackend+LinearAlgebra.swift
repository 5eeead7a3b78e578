import CTensorKernels

// Matrix products and convolutions of the CPU backend: thin wrappers over the C kernels
// (packed-panel SGEMM, convolution with patch gathering inside the packing). Each does nothing when
// one of its buffers could not be allocated (see CPUBuffer).
extension CPUBackend {
    public func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) {
        let d = descriptor
        guard d.batch > 0, d.m > 0, d.n > 0, allAllocated(a, b, c) else { return }
        dt_sgemm_batched(
            d.transposeA ? 1 : 0, d.transposeB ? 1 : 0, d.m, d.n, d.k, d.alpha,
            cpu(a).pointer + d.offsetA, d.lda, d.batchStrideA,
            cpu(b).pointer + d.offsetB, d.ldb, d.batchStrideB,
            d.beta, cpu(c).pointer + d.offsetC, d.ldc, d.batchStrideC, d.batch, d.pairwiseDepth ? 1 : 0)
    }

    public func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer
    ) {
        convolve(dt_conv2d_forward, geometry, input, weight, into: output, epilogue: ConvEpilogue())
    }

    public func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer, epilogue: ConvEpilogue
    ) {
        convolve(dt_conv2d_forward, geometry, input, weight, into: output, epilogue: epilogue)
    }

    public func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer
    ) {
        convolve(dt_conv2d_backward_input, geometry, gradOutput, weight, into: gradInput, epilogue: ConvEpilogue())
    }

    public func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer, epilogue: ConvEpilogue
    ) {
        convolve(dt_conv2d_backward_input, geometry, gradOutput, weight, into: gradInput, epilogue: epilogue)
    }

    /// Runs a convolution kernel with an epilogue (forward or input gradient: the source, the
    /// weight, the result, then the bias, ReLU and mask applied per image) unless a buffer could not
    /// be allocated.
    private func convolve(
        _ kernel: (
            UnsafePointer<dt_conv2d_geometry>?, UnsafePointer<Float>?, UnsafePointer<Float>?,
            UnsafeMutablePointer<Float>?, UnsafePointer<dt_conv_epilogue>?
        ) -> Void,
        _ geometry: ConvGeometry, _ source: any DeviceBuffer, _ weight: any DeviceBuffer,
        into result: any DeviceBuffer, epilogue: ConvEpilogue
    ) {
        guard allAllocated(source, weight, result), var e = cEpilogue(epilogue) else { return }
        var g = cGeometry(geometry)
        kernel(&g, cpu(source).pointer, cpu(weight).pointer, cpu(result).pointer, &e)
    }

    public func conv2dBackwardWeight(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        into gradWeight: any DeviceBuffer
    ) {
        conv2dGradients(
            geometry, input: input, gradOutput: gradOutput, weightGradient: gradWeight, biasGradient: nil, product: nil)
    }

    public func conv2dGradients(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        weightGradient: any DeviceBuffer, biasGradient: ConvBiasGradient?, product: ConvProduct?
    ) {
        guard allAllocated(input, gradOutput, weightGradient), biasGradient.map({ allAllocated($0.result, $0.result) }) ?? true
        else { return }
        var g = cGeometry(geometry)
        var bias = dt_conv_bias_gradient(
            out: biasGradient.map { cpu($0.result).pointer }, of_input: biasGradient?.ofInput == true ? 1 : 0)
        let (x, dy, dw) = (cpu(input).pointer, cpu(gradOutput).pointer, cpu(weightGradient).pointer)
        let (kind, weight, result, epilogue): (dt_conv_product, any DeviceBuffer, any DeviceBuffer, ConvEpilogue)
        switch product {
        case nil:
            dt_conv2d_backward_weight(&g, x, dy, dw, &bias)
            return
        case .forward(let w, let r, let e): (kind, weight, result, epilogue) = (DT_CONV_PRODUCT_FORWARD, w, r, e)
        case .inputGradient(let w, let r, let e): (kind, weight, result, epilogue) = (DT_CONV_PRODUCT_INPUT_GRADIENT, w, r, e)
        }
        guard allAllocated(weight, result), var e = cEpilogue(epilogue) else { return }
        dt_conv2d_weight_gradient_with(&g, x, dy, cpu(weight).pointer, kind, cpu(result).pointer, &e, dw, &bias)
    }

    /// The C form of `epilogue`, or nil when one of its buffers could not be allocated.
    private func cEpilogue(_ epilogue: ConvEpilogue) -> dt_conv_epilogue? {
        guard [epilogue.bias, epilogue.mask].allSatisfy({ $0.map { allAllocated($0, $0) } ?? true }) else { return nil }
        return dt_conv_epilogue(
            bias: epilogue.bias.map { UnsafePointer(cpu($0).pointer) }, relu: epilogue.relu ? 1 : 0,
            mask: epilogue.mask.map { UnsafePointer(cpu($0).pointer) })
    }

    private func cGeometry(_ g: ConvGeometry) -> dt_conv2d_geometry {
        dt_conv2d_geometry(
            batch: g.batch, in_channels: g.inChannels, height: g.height, width: g.width,
            out_channels: g.outChannels, kernel_h: g.kernelH, kernel_w: g.kernelW,
            stride_h: g.strideH, stride_w: g.strideW, pad_h: g.padH, pad_w: g.padW,
            dilation_h: g.dilationH, dilation_w: g.dilationW)
    }
}
