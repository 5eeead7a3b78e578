import CTensorKernels

// Matrix products and convolutions of the CPU backend: thin wrappers over the C kernels
// (packed-panel SGEMM, convolution with patch gathering inside the packing).
extension CPUBackend {
    public func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) {
        let d = descriptor
        guard d.batch > 0, d.m > 0, d.n > 0 else { return }
        dt_sgemm_batched(d.transposeA ? 1 : 0, d.transposeB ? 1 : 0, d.m, d.n, d.k, d.alpha,
                         cpu(a).pointer + d.offsetA, d.lda, d.batchStrideA,
                         cpu(b).pointer + d.offsetB, d.ldb, d.batchStrideB,
                         d.beta, cpu(c).pointer + d.offsetC, d.ldc, d.batchStrideC, d.batch)
    }

    public func conv2dForward(_ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
                              into output: any DeviceBuffer) { fatalError("TODO") }
    public func conv2dBackwardInput(_ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
                                    into gradInput: any DeviceBuffer) { fatalError("TODO") }
    public func conv2dBackwardWeight(_ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
                                     into gradWeight: any DeviceBuffer) { fatalError("TODO") }
}
