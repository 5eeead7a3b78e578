import CTensorKernels

// PLACEHOLDER (replaced by the GEMM/convolution work).
extension CPUBackend {
    public func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) { fatalError("TODO") }
    public func conv2dForward(_ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
                              into output: any DeviceBuffer) { fatalError("TODO") }
    public func conv2dBackwardInput(_ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
                                    into gradInput: any DeviceBuffer) { fatalError("TODO") }
    public func conv2dBackwardWeight(_ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
                                     into gradWeight: any DeviceBuffer) { fatalError("TODO") }
}
