import TensorCore

/// The weight and bias of a new ``Conv2d`` or ``ConvTranspose2d``, drawn as their PyTorch
/// `reset_parameters()` does, on `device`.
///
/// `weightShape` is the layer's weight layout (`[out, in, kH, kW]` for a convolution,
/// `[in, out, kH, kW]` for a transposed one) and `outputDimension` the index of its output
/// channels, which is the bias length. A non-positive entry is reported as a ``TensorError`` naming
/// `op`, and replaced by 1 (a placeholder that keeps construction going inside a checking scope).
func convolutionParameters(
    weightShape: [Int], outputDimension: Int, op: String, bias: Bool, generator: RandomGenerator,
    device: Device
) -> (weight: Parameter, bias: Parameter?) {
    var shape = weightShape
    if !shape.allSatisfy({ $0 > 0 }) {
        reportTensorFailure(
            TensorError(.invalidArgument, op: op, "channel counts and kernel sizes must be positive, got weight shape \(shape)"))
        shape = shape.map { Swift.max($0, 1) }
    }
    return Initialization.layerParameters(
        weightShape: shape, biasLength: shape[outputDimension], bias: bias, generator: generator, device: device)
}
