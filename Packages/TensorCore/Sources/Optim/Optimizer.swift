import TensorCore

/// Updates parameters from their gradients (PyTorch's `torch.optim.Optimizer`).
///
/// A training step: `loss.backward()`, then ``step()``, then ``zeroGrad()`` (or clear before the
/// backward pass). Optimizers are `Sendable`: their state is behind a lock, and each call is atomic.
public protocol Optimizer: AnyObject, Sendable {
    /// The names of the optimized parameters, in the order given at construction.
    var parameterNames: [String] { get }

    /// The step size; can be changed between steps (learning-rate schedules).
    var learningRate: Float { get set }

    /// Number of completed ``step()`` calls.
    var stepCount: Int { get }

    /// Updates every parameter that has a gradient, in place; parameters without one are skipped
    /// (their state is untouched, as in PyTorch).
    /// - Throws: ``OptimizerError/gradientShapeMismatch(parameter:parameterShape:gradientShape:)`` or
    ///   ``OptimizerError/gradientDeviceMismatch(parameter:parameterDevice:gradientDevice:)`` before
    ///   anything is updated.
    func step() throws(OptimizerError)

    /// Clears every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    func zeroGrad()

    /// A snapshot of the optimizer's state: per-parameter tensors keyed `"<parameter>.<entry>"`,
    /// the step count and the hyperparameters. Later steps do not change a snapshot.
    func state() -> OptimizerState

    /// Restores a snapshot from ``state()`` (tensors are copied to each parameter's device).
    /// Nothing changes when it throws.
    /// - Throws: ``OptimizerError`` naming the missing, unexpected, misshapen or invalid entry.
    func load(state: OptimizerState) throws(OptimizerError)
}

extension Optimizer {
    /// Clears the gradients of `parameters` (shared by the concrete optimizers).
    static func clearGradients(_ parameters: [any OptimizableParameter]) {
        for parameter in parameters { parameter.grad = nil }
    }
}

/// A saved optimizer state (what checkpoints store).
///
/// `tensors` holds per-parameter entries keyed `"<parameter name>.<entry>"` with PyTorch's entry
/// names (`exp_avg`, `exp_avg_sq`, `step` for Adam; `momentum_buffer` for SGD);
/// `hyperparameters` holds the settings (`lr`, `weight_decay`, …) as numbers.
public struct OptimizerState: Sendable {
    /// The optimizer that produced the state, `"Adam"` or `"SGD"`.
    public var optimizer: String
    /// Number of completed steps.
    public var stepCount: Int
    /// Per-parameter tensors.
    public var tensors: [String: Tensor]
    /// Settings, restored by ``Optimizer/load(state:)``.
    public var hyperparameters: [String: Double]

    /// A state from its parts (what ``Optimizer/state()`` returns and ``Optimizer/load(state:)`` checks).
    public init(optimizer: String, stepCount: Int, tensors: [String: Tensor], hyperparameters: [String: Double]) {
        self.optimizer = optimizer
        self.stepCount = stepCount
        self.tensors = tensors
        self.hyperparameters = hyperparameters
    }
}

/// The named parameters of one optimizer, validated once at construction.
struct ParameterList: Sendable {
    let names: [String]
    let parameters: [any OptimizableParameter]

    init(_ named: [(name: String, parameter: any OptimizableParameter)]) throws(OptimizerError) {
        var seenNames = Set<String>(), seenObjects = Set<ObjectIdentifier>()
        for (name, parameter) in named {
            guard seenNames.insert(name).inserted, seenObjects.insert(ObjectIdentifier(parameter)).inserted else {
                throw .duplicateParameter(name)
            }
        }
        names = named.map(\.name)
        parameters = named.map(\.parameter)
    }

    /// The gradient of each parameter (`nil` where it has none), contiguous at offset 0 and checked
    /// against the parameter's shape and device.
    func gradients() throws(OptimizerError) -> [Tensor?] {
        var result: [Tensor?] = []
        for (name, parameter) in zip(names, parameters) {
            guard let grad = parameter.grad else { result.append(nil); continue }
            let value = parameter.value
            guard grad.shape == value.shape else {
                throw .gradientShapeMismatch(parameter: name, parameterShape: value.shape, gradientShape: grad.shape)
            }
            guard grad.device == value.device else {
                throw .gradientDeviceMismatch(parameter: name, parameterDevice: value.device, gradientDevice: grad.device)
            }
            result.append(withNoGrad { grad.detached().contiguous() })
        }
        return result
    }

    /// Checks that `state` came from `optimizer` and that its hyperparameters are exactly `expected`'s keys.
    static func checkHeader(
        _ state: OptimizerState, optimizer: String,
        hyperparameterKeys: Set<String>
    ) throws(OptimizerError) {
        guard state.optimizer == optimizer else { throw .wrongOptimizer(expected: optimizer, found: state.optimizer) }
        guard state.stepCount >= 0 else { throw .invalidValue(key: "stepCount", reason: "negative (\(state.stepCount))") }
        if let missing = hyperparameterKeys.subtracting(state.hyperparameters.keys).sorted().first {
            throw .missingKey(missing)
        }
        if let unknown = Set(state.hyperparameters.keys).subtracting(hyperparameterKeys).sorted().first {
            throw .unexpectedKey(unknown)
        }
    }

    /// The saved tensor `key`, checked to have `shape` and moved to `device`; `nil` when absent.
    static func tensor(
        _ key: String, in state: OptimizerState, shape: [Int],
        device: Device
    ) throws(OptimizerError) -> Tensor? {
        guard let saved = state.tensors[key] else { return nil }
        guard saved.shape == shape else { throw .shapeMismatch(key: key, expected: shape, found: saved.shape) }
        // Sharing memory with the caller's tensor is safe: updates are copy-on-write.
        return try onDevice(saved.detached(), device, key: key)
    }

    /// Moves `stateTensor` (per-parameter optimizer state, e.g. restored on another device) to the
    /// device of parameter `index`, naming it `<parameter name><suffix>` in an error.
    func follow(_ stateTensor: inout Tensor?, parameter index: Int, suffix: String) throws(OptimizerError) {
        guard let tensor = stateTensor else { return }
        let device = parameters[index].shapeAndBackend.1.device
        if tensor.device != device { stateTensor = try onDevice(tensor, device, key: names[index] + suffix) }
    }

    /// Throws for the first key of `state.tensors` that `known` does not contain.
    static func rejectUnknownKeys(_ state: OptimizerState, known: Set<String>) throws(OptimizerError) {
        if let unknown = Set(state.tensors.keys).subtracting(known).sorted().first { throw .unexpectedKey(unknown) }
    }
}

/// `tensor` on `device` (itself when already there).
func onDevice(_ tensor: Tensor, _ device: Device, key: String) throws(OptimizerError) -> Tensor {
    do { return try tensor.to(device) } catch { throw .device(key: key, error) }
}

/// Validates a hyperparameter.
func require(_ condition: Bool, _ name: String, _ value: Float, _ requirement: String) throws(OptimizerError) {
    guard condition else { throw .invalidHyperparameter(name: name, value: Double(value), requirement: requirement) }
}
