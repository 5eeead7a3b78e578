import TensorCore

/// PyTorch's default weight initialisation (`torch.nn.init`), drawn from a ``RandomGenerator``.
///
/// The layers use ``kaimingUniform(_:a:generator:device:)`` with `a = √5` for weights and
/// ``uniform(_:bound:generator:device:)`` with `bound = 1/√fan_in` for biases, which is what
/// `nn.Linear`, `nn.Conv2d` and `nn.ConvTranspose2d` do in their `reset_parameters()`. The numbers
/// differ from PyTorch's (another generator) but the distribution is identical.
public enum Initialization {
    /// `(fan_in, fan_out)` of a weight of `shape`, as PyTorch's `_calculate_fan_in_and_fan_out`:
    /// `fan_in = shape[1] · receptive field`, `fan_out = shape[0] · receptive field`, where the
    /// receptive field is the product of the dimensions after the first two. For a transposed
    /// convolution's weight `[in, out, kh, kw]` this makes `fan_in = out · kh · kw`, as in PyTorch.
    /// Reports a ``TensorError`` for a shape of rank below 2 (and returns `(0, 0)`).
    public static func fans(ofWeightShape shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else {
            reportTensorFailure(
                TensorError(
                    .invalidShape, op: "Initialization.fans",
                    "fan in and fan out need a weight of rank 2 or more, got shape \(shape)"))
            return (0, 0)
        }
        let receptiveField = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptiveField, shape[0] * receptiveField)
    }

    /// The gain of PyTorch's `calculate_gain("leaky_relu", a)`: `√(2 / (1 + a²))`.
    public static func leakyReLUGain(a: Double) -> Double {
        (2 / (1 + a * a)).squareRoot()
    }

    /// The bound of `kaiming_uniform_(w, a, mode="fan_in", nonlinearity="leaky_relu")`:
    /// `gain · √3 / √fan_in`; with `a = √5` this is `1/√fan_in`. 0 when `fanIn` is 0.
    public static func kaimingUniformBound(fanIn: Int, a: Double = 5.0.squareRoot()) -> Float {
        guard fanIn > 0 else { return 0 }
        return Float(leakyReLUGain(a: a) * 3.0.squareRoot() / Double(fanIn).squareRoot())
    }

    /// The bound PyTorch uses for biases: `1/√fan_in` (0 when `fanIn` is 0).
    public static func biasBound(fanIn: Int) -> Float {
        fanIn > 0 ? Float(1 / Double(fanIn).squareRoot()) : 0
    }

    /// A weight of `shape` drawn from `U(−b, b)` with `b = kaimingUniformBound(fanIn: fans(shape).fanIn, a: a)`
    /// (PyTorch's `kaiming_uniform_(w, a=a)`), on `device` (the CPU by default).
    ///
    /// `device` must be available: check it with ``Device/checkAvailable()`` where it is chosen
    /// (an unavailable device stops the process as a programmer error).
    public static func kaimingUniform(
        _ shape: [Int], a: Double = 5.0.squareRoot(),
        generator: RandomGenerator = .default, device: Device = .cpu
    ) -> Tensor {
        kaimingUniform(shape, a: a, generator: generator, backend: device.resolvedBackend)
    }

    /// ``kaimingUniform(_:a:generator:device:)`` on `backend`'s device.
    package static func kaimingUniform(
        _ shape: [Int], a: Double = 5.0.squareRoot(), generator: RandomGenerator, backend: any Backend
    ) -> Tensor {
        let bound = kaimingUniformBound(fanIn: fans(ofWeightShape: shape).fanIn, a: a)
        return uniform(shape, bound: bound, generator: generator, backend: backend)
    }

    /// A tensor of `shape` drawn from `U(−bound, bound)` on `device` (the CPU by default; `device`
    /// must be available, see ``kaimingUniform(_:a:generator:device:)``).
    public static func uniform(
        _ shape: [Int], bound: Float, generator: RandomGenerator = .default, device: Device = .cpu
    ) -> Tensor {
        uniform(shape, bound: bound, generator: generator, backend: device.resolvedBackend)
    }

    /// ``uniform(_:bound:generator:device:)`` on `backend`'s device.
    package static func uniform(
        _ shape: [Int], bound: Float, generator: RandomGenerator, backend: any Backend
    ) -> Tensor {
        Tensor.rand(shape, low: -bound, high: bound, generator: generator, backend: backend)
    }

    /// A layer's weight of `shape` and, when `bias`, its bias of `[biasLength]`, as the
    /// `reset_parameters()` of `nn.Linear`, `nn.Conv2d` and `nn.ConvTranspose2d` draws them: the weight
    /// from ``kaimingUniform(_:a:generator:device:)``, then the bias from `U(−1/√fan_in, 1/√fan_in)`
    /// with the weight's `fan_in`.
    static func layerParameters(
        weightShape shape: [Int], biasLength: Int, bias: Bool, generator: RandomGenerator, device: Device
    ) -> (weight: Parameter, bias: Parameter?) {
        let backend = device.resolvedBackend
        let weight = kaimingUniform(shape, generator: generator, backend: backend)
        guard bias else { return (Parameter(weight), nil) }
        let bound = biasBound(fanIn: fans(ofWeightShape: shape).fanIn)
        return (Parameter(weight), Parameter(uniform([biasLength], bound: bound, generator: generator, backend: backend)))
    }
}
