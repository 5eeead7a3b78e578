import TensorCore

extension GemmDescriptor {
    /// The `DTGemm` bytes of this product (operand offsets go into the pointers, not here).
    var parameterBlock: ParameterBlock {
        var block = ParameterBlock(.gemm)
        block.storeInt64(lda, at: 0)
        block.storeInt64(ldb, at: 8)
        block.storeInt64(ldc, at: 16)
        block.storeInt64(batchStrideA, at: 24)
        block.storeInt64(batchStrideB, at: 32)
        block.storeInt64(batchStrideC, at: 40)
        block.storeUInt32(m, at: 48)
        block.storeUInt32(n, at: 52)
        block.storeUInt32(k, at: 56)
        block.storeUInt32(batch, at: 60)
        block.storeUInt32(transposeA ? 1 : 0, at: 64)
        block.storeUInt32(transposeB ? 1 : 0, at: 68)
        block.storeFloat(alpha, at: 72)
        block.storeFloat(beta, at: 76)
        return block
    }
}

extension ConvGeometry {
    /// The `DTConv` bytes of this convolution with the batch replaced by `batch` (for chunking).
    func parameterBlock(batch: Int) -> ParameterBlock {
        var block = ParameterBlock(.conv)
        let fields = [
            batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW,
            padH, padW, dilationH, dilationW, outHeight, outWidth, 0,
        ]
        for (index, value) in fields.enumerated() { block.storeUInt32(value, at: index * 4) }
        return block
    }

    /// Rows of one image's column matrix: inChannels · kernelH · kernelW.
    var columnRows: Int { inChannels * kernelH * kernelW }
    /// Columns of one image's column matrix: outHeight · outWidth.
    var columnCount: Int { outHeight * outWidth }
}

extension AdamHyperparameters {
    /// The `DTAdam` bytes: TensorCore's per-step scalars, so the GPU applies the CPU's numbers.
    var parameterBlock: ParameterBlock {
        var block = ParameterBlock(.adam)
        let fields = [
            beta2, beta1Complement, beta2Complement, epsilon,
            gradientWeightDecay, decoupledDecayFactor, stepSize, biasCorrection2Sqrt,
        ]
        for (index, value) in fields.enumerated() { block.storeFloat(value, at: index * 4) }
        return block
    }
}
