import NN
import Optim
import TensorCore

/// One batch a model is run on: the input and, for losses that need one, the target.
public struct ModelBatch: Sendable {
    /// Input of shape `[batch, …]`.
    public var input: Tensor
    /// Target (labels, regression values) of shape `[batch, …]`, or `nil` when the loss needs none.
    public var target: Tensor?

    /// A batch of `input` `[batch, …]` with an optional `target` `[batch, …]`.
    public init(input: Tensor, target: Tensor? = nil) {
        self.input = input
        self.target = target
    }

    /// The batch on `device`.
    /// - Throws: ``DeviceError`` when `device` has no backend.
    public func to(_ device: Device) throws(DeviceError) -> ModelBatch {
        ModelBatch(input: try input.to(device), target: try target?.to(device))
    }
}

/// Whether repeated forward passes give the same output, per mode.
public enum ForwardRandomness: String, Sendable {
    /// Two forward passes on the same input give identical outputs.
    case deterministic
    /// Two forward passes draw fresh random numbers (dropout, sampling) and differ.
    case stochastic
}

/// How a model behaves in training and in evaluation mode (checked by ``ModelCheck/trainEvalMode``).
public struct ModeBehaviour: Sendable, Equatable {
    /// Behaviour in training mode.
    public var training: ForwardRandomness
    /// Behaviour in evaluation mode.
    public var evaluation: ForwardRandomness

    /// The behaviour in each mode.
    public init(training: ForwardRandomness, evaluation: ForwardRandomness) {
        self.training = training
        self.evaluation = evaluation
    }

    /// No randomness in either mode (plain MLPs and conv nets, BatchNorm).
    public static let deterministic = ModeBehaviour(training: .deterministic, evaluation: .deterministic)
    /// Random in training only (dropout, a VAE that decodes the mean in evaluation).
    public static let stochasticInTraining = ModeBehaviour(training: .stochastic, evaluation: .deterministic)
    /// Random in both modes (a VAE that samples in evaluation too, like the reference).
    public static let stochastic = ModeBehaviour(training: .stochastic, evaluation: .stochastic)
}

/// A model under test: how to make it, feed it, train it, and what it must produce.
///
/// The model is any NN ``Module``; closures adapt its forward pass and loss, so models with
/// several outputs (a VAE's reconstruction, mean and log-sigma) fit too.
///
/// ```swift
/// let classifier = ModelSubject(
///     name: "MLP classifier",
///     makeModel: { seed, device in try Classifier(inputs: 8, classes: 3).moved(to: device) },
///     makeBatch: { size, seed in
///         let g = RandomGenerator(seed: seed)
///         return ModelBatch(input: Tensor.randn([size, 8], generator: g),
///                           target: Tensor(shape: [size], scalars: (0..<size).map { Float($0 % 3) }))
///     },
///     outputShape: [3],
///     forward: { model, input in model(input) },
///     loss: { model, batch in crossEntropy(model(batch.input), batch.target!) },   // your own loss function
///     makeOptimizer: { model in try Adam(model.namedParameters()) })
/// ```
///
/// Every check makes fresh models (the subject's model is never shared between checks) after
/// seeding the process-wide generator with ``makeDeterministic(seed:)``, and feeds batches made
/// on the CPU and moved to ``device``.
public struct ModelSubject: CheckSubject {
    /// A short name for reports, e.g. `"CNNVAE(d=16)"`.
    public var name: String
    /// Where the checks build and run the model.
    public var device: Device
    /// The device ``ModelCheck/deviceMoving`` moves a copy to; `nil` picks the first available
    /// device other than ``device`` (the check is skipped when there is none).
    public var otherDevice: Device?
    /// Batch size of the checks (batch independence masks every one of its samples in turn).
    public var batchSize: Int
    /// Shape of one sample's output, without the batch dimension.
    public var outputShape: [Int]
    /// How the model behaves in training and evaluation mode.
    public var modes: ModeBehaviour
    /// Largest max |Δ| between outputs on ``device`` and on the other device.
    public var deviceTolerance: Float
    /// Seed of the models and batches.
    public var seed: UInt64
    /// Checks that do not apply, with the reason (reported as skipped).
    public var skipped: [ModelCheck: String]
    /// The range every output value must lie in (a final Tanh: `-1...1`), checked by
    /// ``ModelCheck/outputRange``; `nil` when the output is unbounded (logits).
    public var outputRange: ClosedRange<Float>?

    var instantiate: @Sendable (_ seed: UInt64, _ device: Device) throws -> ModelInstance
    var makeBatch: @Sendable (_ batchSize: Int, _ seed: UInt64) throws -> ModelBatch

    /// Describes a model under test.
    ///
    /// - Parameters:
    ///   - makeModel: a fresh model on `device` with parameters initialised for `seed` (the
    ///     process-wide generator is already seeded with it; a factory that takes its own
    ///     `RandomGenerator(seed:)` works too).
    ///   - makeBatch: a batch of `batchSize` samples for `seed`, on the CPU.
    ///   - outputShape: shape of one sample's output from `forward`.
    ///   - forward: the output the shape, finiteness, device, batch-independence and mode checks examine.
    ///   - loss: the real training loss of a batch, a one-element tensor (it runs its own forward pass).
    ///   - makeOptimizer: the real optimiser over the model's parameters.
    ///   - outputRange: the range every output value must lie in, when bounded (see ``outputRange``).
    public init<Model: Module>(
        name: String, batchSize: Int = 4, seed: UInt64 = 0, modes: ModeBehaviour = .deterministic,
        deviceTolerance: Float = 1e-4, skipped: [ModelCheck: String] = [:], outputRange: ClosedRange<Float>? = nil,
        device: Device = .cpu,
        otherDevice: Device? = nil,
        makeModel: @escaping @Sendable (_ seed: UInt64, _ device: Device) throws -> Model,
        makeBatch: @escaping @Sendable (_ batchSize: Int, _ seed: UInt64) throws -> ModelBatch,
        outputShape: [Int],
        forward: @escaping @Sendable (Model, Tensor) throws -> Tensor,
        loss: @escaping @Sendable (Model, ModelBatch) throws -> Tensor,
        makeOptimizer: @escaping @Sendable (Model) throws -> any Optimizer
    ) {
        self.name = name
        self.device = device
        self.otherDevice = otherDevice
        self.batchSize = batchSize
        self.outputShape = outputShape
        self.modes = modes
        self.deviceTolerance = deviceTolerance
        self.seed = seed
        self.skipped = skipped
        self.outputRange = outputRange
        self.makeBatch = makeBatch
        self.instantiate = { seed, device in
            ModelInstance(try makeModel(seed, device), forward: forward, loss: loss, makeOptimizer: makeOptimizer)
        }
    }

    /// Describes a ``Layer`` (one tensor in, one out) whose forward pass is `model(input)`.
    public init<Model: Layer>(
        name: String, batchSize: Int = 4, seed: UInt64 = 0, modes: ModeBehaviour = .deterministic,
        deviceTolerance: Float = 1e-4, skipped: [ModelCheck: String] = [:], outputRange: ClosedRange<Float>? = nil,
        device: Device = .cpu,
        otherDevice: Device? = nil,
        makeModel: @escaping @Sendable (_ seed: UInt64, _ device: Device) throws -> Model,
        makeBatch: @escaping @Sendable (_ batchSize: Int, _ seed: UInt64) throws -> ModelBatch,
        outputShape: [Int],
        loss: @escaping @Sendable (_ output: Tensor, ModelBatch) throws -> Tensor,
        makeOptimizer: @escaping @Sendable (Model) throws -> any Optimizer
    ) {
        self.init(
            name: name, batchSize: batchSize, seed: seed, modes: modes, deviceTolerance: deviceTolerance,
            skipped: skipped, outputRange: outputRange, device: device, otherDevice: otherDevice, makeModel: makeModel,
            makeBatch: makeBatch,
            outputShape: outputShape, forward: { model, input in model(input) },
            loss: { model, batch in try loss(model(batch.input), batch) }, makeOptimizer: makeOptimizer)
    }
}

/// A model made for one check, with its closures bound to it (the type-erased face of the
/// subject's generic model).
struct ModelInstance {
    var module: any Module
    var forward: (Tensor) throws -> Tensor
    var loss: (ModelBatch) throws -> Tensor
    var makeOptimizer: () throws -> any Optimizer
    /// A deep copy on `device` (the module's `moved(to:)`), with the closures bound to the copy.
    var moved: (Device) throws -> ModelInstance

    init<Model: Module>(
        _ model: Model, forward: @escaping @Sendable (Model, Tensor) throws -> Tensor,
        loss: @escaping @Sendable (Model, ModelBatch) throws -> Tensor,
        makeOptimizer: @escaping @Sendable (Model) throws -> any Optimizer
    ) {
        module = model
        self.forward = { try forward(model, $0) }
        self.loss = { try loss(model, $0) }
        self.makeOptimizer = { try makeOptimizer(model) }
        moved = { device in
            ModelInstance(try model.moved(to: device), forward: forward, loss: loss, makeOptimizer: makeOptimizer)
        }
    }

    /// Every parameter's current value (host copy) by dotted name.
    func parameterValues() -> [(name: String, values: [Float], shape: [Int])] {
        module.namedParameters().map { ($0.name, $0.parameter.value.scalars, $0.parameter.shape) }
    }
}
