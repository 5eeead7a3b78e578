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
        guard allAllocated(input, weight, output) else { return }
        var g = cGeometry(geometry)
        dt_conv2d_forward(&g, cpu(input).pointer, cpu(weight).pointer, cpu(output).pointer, nil)
    }

    public func conv2dForward(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer, zeroingWhereZero mask: any DeviceBuffer
    ) {
        guard allAllocated(input, weight, output), allAllocated(mask, mask) else { return }
        var g = cGeometry(geometry)
        dt_conv2d_forward(&g, cpu(input).pointer, cpu(weight).pointer, cpu(output).pointer, cpu(mask).pointer)
    }

    public func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer
    ) {
        guard allAllocated(gradOutput, weight, gradInput) else { return }
        var g = cGeometry(geometry)
        dt_conv2d_backward_input(&g, cpu(gradOutput).pointer, cpu(weight).pointer, cpu(gradInput).pointer, nil)
    }

    public func conv2dBackwardInput(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer, zeroingWhereZero mask: any DeviceBuffer
    ) {
        guard allAllocated(gradOutput, weight, gradInput), allAllocated(mask, mask) else { return }
        var g = cGeometry(geometry)
        dt_conv2d_backward_input(&g, cpu(gradOutput).pointer, cpu(weight).pointer, cpu(gradInput).pointer, cpu(mask).pointer)
    }

    public func conv2dBackwardWeight(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        into gradWeight: any DeviceBuffer
    ) {
        guard allAllocated(input, gradOutput, gradWeight) else { return }
        var g = cGeometry(geometry)
        dt_conv2d_backward_weight(&g, cpu(input).pointer, cpu(gradOutput).pointer, cpu(gradWeight).pointer)
    }

    private func cGeometry(_ g: ConvGeometry) -> dt_conv2d_geometry {
        dt_conv2d_geometry(
            batch: g.batch, in_channels: g.inChannels, height: g.height, width: g.width,
            out_channels: g.outChannels, kernel_h: g.kernelH, kernel_w: g.kernelW,
            stride_h: g.strideH, stride_w: g.strideW, pad_h: g.padH, pad_w: g.padW,
            dilation_h: g.dilationH, dilation_w: g.dilationW)
    }
}
