import TensorCore

/// The state and arithmetic shared by ``BatchNorm1d`` and ``BatchNorm2d`` (PyTorch's `_BatchNorm`).
///
/// Training mode normalises with the batch statistics per channel (mean and biased variance over
/// every dimension but 1) and updates the running statistics:
/// `running = (1 − momentum) · running + momentum · batch`, with the *unbiased* batch variance
/// for `running_var`, and adds 1 to `num_batches_tracked`. With `momentum == nil` the running
/// statistics are the cumulative average (`momentum = 1 / num_batches_tracked`).
/// Evaluation mode normalises with the running statistics. Output: `x̂ · weight + bias` per channel.
///
/// The buffers are thread-safe, but two training-mode calls on one layer at the same time may
/// interleave their running-statistics updates (as in PyTorch); evaluation mode only reads them.
public struct BatchNormState: Sendable {
    /// Number of channels `C` normalised (one statistic per channel).
    public let features: Int
    /// Added to the variance before the square root (default 1e-5).
    public let epsilon: Float
    /// Weight of the current batch in the running statistics (default 0.1); `nil` for a cumulative average.
    public let momentum: Float?
    /// `[features]`, initialised to ones (`nil` when not affine).
    public let weight: Parameter?
    /// `[features]`, initialised to zeros (`nil` when not affine).
    public let bias: Parameter?
    /// `[features]`, initialised to zeros.
    public let runningMean: Buffer
    /// `[features]`, initialised to ones.
    public let runningVariance: Buffer
    /// A scalar (shape `[]`) counting training batches; Float32 here, `int64` in PyTorch.
    public let batchesTracked: Buffer

    init(features: Int, epsilon: Float, momentum: Float?, affine: Bool, device: Device) {
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        weight = affine ? Parameter(Tensor.full([features], value: 1, device: device)) : nil
        bias = affine ? Parameter(Tensor.full([features], value: 0, device: device)) : nil
        runningMean = Buffer(Tensor.full([features], value: 0, device: device))
        runningVariance = Buffer(Tensor.full([features], value: 1, device: device))
        batchesTracked = Buffer(Tensor.full([], value: 0, device: device))
    }

    init(copying other: BatchNormState, with clone: ModuleCloner) throws(DeviceError) {
        features = other.features
        epsilon = other.epsilon
        momentum = other.momentum
        weight = try clone(other.weight)
        bias = try clone(other.bias)
        runningMean = try clone(other.runningMean)
        runningVariance = try clone(other.runningVariance)
        batchesTracked = try clone(other.batchesTracked)
    }

    var namedParameters: [(name: String, parameter: Parameter)] {
        guard let weight, let bias else { return [] }
        return [("weight", weight), ("bias", bias)]
    }

    var namedBuffers: [(name: String, buffer: Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }

    /// Normalises `input` (`[N, features, *]`, checked by the caller) in the given mode.
    func forward(_ input: Tensor, training: Bool, op: String) -> Tensor {
        var broadcastShape = [Int](repeating: 1, count: input.rank)
        broadcastShape[1] = features
        let axes = [0] + Array(2..<input.rank)
        let normalized: Tensor
        if training && input.count == 0 {
            // An empty batch (PyTorch's result): nothing to normalise and no statistics to take;
            // the running statistics stay, the batch is counted as nn.BatchNorm counts it.
            withNoGrad { batchesTracked.value = batchesTracked.value + 1 }
            normalized = input
        } else if training {
            let perChannel = input.count / max(features, 1)
            guard perChannel > 1 else {
                reportTensorFailure(
                    TensorError(
                        .shapeMismatch, op: op,
                        "expected more than 1 value per channel when training, got input shape \(input.shape)"))
                return input
            }
            let mean = input.mean(axes: axes, keepingDimensions: true)
            let centered = input - mean
            let variance = (centered * centered).mean(axes: axes, keepingDimensions: true)
            normalized = centered / (variance + epsilon).sqrt()
            withNoGrad {
                let count = batchesTracked.value + 1
                batchesTracked.value = count
                let rate = momentum ?? 1 / count.item()
                let unbiased = variance.reshaped([features]) * (Float(perChannel) / Float(perChannel - 1))
                runningMean.value = runningMean.value * (1 - rate) + mean.reshaped([features]) * rate
                runningVariance.value = runningVariance.value * (1 - rate) + unbiased * rate
            }
        } else {
            let mean = runningMean.value.reshaped(broadcastShape)
            let variance = runningVariance.value.reshaped(broadcastShape)
            normalized = (input - mean) / (variance + epsilon).sqrt()
        }
        guard let weight, let bias else { return normalized }
        return normalized * weight.value.reshaped(broadcastShape) + bias.value.reshaped(broadcastShape)
    }
}

/// What ``BatchNorm1d`` and ``BatchNorm2d`` share beyond ``BatchNormState``: the input check,
/// the forward pass and the copy. A layer says only which dimensions follow `[N, C]` in the
/// inputs it takes (the reduction axes besides 0).
protocol BatchNormLayer: Layer {
    /// The parameters, buffers and settings.
    var state: BatchNormState { get }
    /// The names of the dimensions after `[N, C]`, one list per accepted input rank
    /// (`[[], ["L"]]` for `[N, C]` or `[N, C, L]`).
    static var trailingDimensions: [[String]] { get }
    init(state: BatchNormState, trainingFlag: TrainingFlag?)
}

extension BatchNormLayer {
    /// The layer's name in errors (`BatchNorm1d`).
    private static var op: String { String(describing: Self.self) }

    /// The normalised input; reports a ``TensorError`` for another rank or channel count.
    func normalize(_ input: Tensor) -> Tensor {
        let features = state.features
        let ranks = Self.trailingDimensions.map { 2 + $0.count }
        guard ranks.contains(input.rank), input.shape[1] == features else {
            let forms = Self.trailingDimensions.map { "[" + (["N", "\(features)"] + $0).joined(separator: ", ") + "]" }
            reportTensorFailure(
                TensorError(
                    .shapeMismatch, op: Self.op,
                    "expected an input \(forms.joined(separator: " or ")), got shape \(input.shape)"))
            return input
        }
        return state.forward(input, training: isTraining, op: Self.op)
    }

    /// A copy made of the cloned state and training flag (``Module/copy(with:)``).
    func copied(with clone: ModuleCloner) throws(DeviceError) -> Self {
        Self(state: try BatchNormState(copying: state, with: clone), trainingFlag: trainingFlag.map { clone($0) })
    }
}

/// Batch normalisation over `[N, C]` or `[N, C, L]` inputs (PyTorch's `nn.BatchNorm1d`), per channel `C`.
/// Parameters `weight`, `bias`; buffers `running_mean`, `running_var`, `num_batches_tracked` (PyTorch's keys).
/// See ``BatchNormState`` for the arithmetic. Output has the input's shape.
public final class BatchNorm1d: BatchNormLayer {
    /// The parameters, buffers and settings shared with ``BatchNorm2d``.
    public let state: BatchNormState
    public let trainingFlag: TrainingFlag?
    static let trailingDimensions = [[], ["L"]]

    /// Normalisation of `features` channels on `device` (the CPU by default) with PyTorch's
    /// defaults (ε = 1e-5, momentum 0.1, affine).
    ///
    /// `device` must be available: check it with ``Device/checkAvailable()`` where it is chosen
    /// (an unavailable device stops the process as a programmer error).
    public convenience init(
        _ features: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
        device: Device = .cpu
    ) {
        let state = BatchNormState(
            features: features, epsilon: epsilon, momentum: momentum, affine: affine, device: device)
        self.init(state: state, trainingFlag: TrainingFlag())
    }

    init(state: BatchNormState, trainingFlag: TrainingFlag?) {
        self.state = state
        self.trainingFlag = trainingFlag
    }

    /// The normalised input (`[N, C]` or `[N, C, L]`); reports a ``TensorError`` for another rank
    /// or channel count.
    public func callAsFunction(_ input: Tensor) -> Tensor { normalize(input) }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { state.namedParameters }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { state.namedBuffers }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> BatchNorm1d { try copied(with: clone) }
}

/// Batch normalisation over `[N, C, H, W]` inputs (PyTorch's `nn.BatchNorm2d`), per channel `C`.
/// Parameters `weight`, `bias`; buffers `running_mean`, `running_var`, `num_batches_tracked` (PyTorch's keys).
/// See ``BatchNormState`` for the arithmetic. Output has the input's shape.
public final class BatchNorm2d: BatchNormLayer {
    /// The parameters, buffers and settings shared with ``BatchNorm1d``.
    public let state: BatchNormState
    public let trainingFlag: TrainingFlag?
    static let trailingDimensions = [["H", "W"]]

    /// Normalisation of `features` channels on `device` (the CPU by default) with PyTorch's
    /// defaults (ε = 1e-5, momentum 0.1, affine).
    ///
    /// `device` must be available: check it with ``Device/checkAvailable()`` where it is chosen
    /// (an unavailable device stops the process as a programmer error).
    public convenience init(
        _ features: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
        device: Device = .cpu
    ) {
        let state = BatchNormState(
            features: features, epsilon: epsilon, momentum: momentum, affine: affine, device: device)
        self.init(state: state, trainingFlag: TrainingFlag())
    }

    init(state: BatchNormState, trainingFlag: TrainingFlag?) {
        self.state = state
        self.trainingFlag = trainingFlag
    }

    /// The normalised input (`[N, C, H, W]`); reports a ``TensorError`` for another rank or channel count.
    public func callAsFunction(_ input: Tensor) -> Tensor { normalize(input) }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { state.namedParameters }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { state.namedBuffers }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> BatchNorm2d { try copied(with: clone) }
}
