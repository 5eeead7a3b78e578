import Synchronization
import TensorCore

/// Adam and AdamW with PyTorch's semantics (`torch.optim.Adam` / `AdamW`, `amsgrad=False`).
///
/// For each parameter `p` with gradient `g`, at its step `t` (counted per parameter from 1):
/// ```text
/// g ← g + λ·p                       (Adam, weightDecay λ > 0: L2 penalty)
/// p ← p·(1 − lr·λ)                  (AdamW, decoupledWeightDecay: decay independent of g)
/// m ← β₁·m + (1 − β₁)·g             v ← β₂·v + (1 − β₂)·g²
/// p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
/// The update runs as the backend's fused kernel (``TensorCore/Backend/adamStep(parameter:gradient:firstMoment:secondMoment:count:hyper:)``),
/// in place on the parameter's memory and on the moments, which live on the parameter's device.
///
/// ```swift
/// let optimizer = try Adam(model.namedParameters(), learningRate: 1e-3)
/// loss.backward()
/// try optimizer.step()
/// optimizer.zeroGrad()
/// ```
public final class Adam: Optimizer {
    private let list: ParameterList

    private struct Settings {
        var learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
        var decoupledWeightDecay: Bool
    }

    /// Moments and step count of one parameter; `nil` moments before its first step.
    private struct Slot {
        var step = 0
        var firstMoment: Tensor?
        var secondMoment: Tensor?
    }

    private struct State {
        var settings: Settings
        var slots: [Slot]
        var stepCount = 0
    }

    private let locked: Mutex<State>

    /// An Adam optimizer over named parameters (for example `model.namedParameters()`).
    ///
    /// - Parameters:
    ///   - learningRate: step size `lr` ≥ 0 (PyTorch's default 1e-3).
    ///   - beta1, beta2: moment decay rates in `[0, 1)` (defaults 0.9 and 0.999).
    ///   - epsilon: added to the bias-corrected `√v`, ≥ 0 (default 1e-8).
    ///   - weightDecay: `λ` ≥ 0; an L2 term added to the gradient, or with `decoupledWeightDecay`
    ///     the AdamW decay `p ← p·(1 − lr·λ)` (PyTorch's AdamW default is λ = 0.01).
    /// - Throws: ``OptimizerError/invalidHyperparameter(name:value:requirement:)`` or
    ///   ``OptimizerError/duplicateParameter(_:)``.
    public convenience init<P: OptimizableParameter>(
        _ parameters: [(name: String, parameter: P)], learningRate: Float = 1e-3, beta1: Float = 0.9,
        beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false
    ) throws(OptimizerError) {
        try self.init(
            anyParameters: parameters.map { ($0.name, $0.parameter as any OptimizableParameter) },
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, decoupledWeightDecay: decoupledWeightDecay)
    }

    /// The same over parameters of mixed types.
    /// - Throws: ``OptimizerError/invalidHyperparameter(name:value:requirement:)`` or
    ///   ``OptimizerError/duplicateParameter(_:)``.
    public init(
        anyParameters parameters: [(name: String, parameter: any OptimizableParameter)],
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, decoupledWeightDecay: Bool = false
    ) throws(OptimizerError) {
        let settings = Settings(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, decoupledWeightDecay: decoupledWeightDecay)
        try Adam.validate(settings)
        list = try ParameterList(parameters)
        locked = Mutex(State(settings: settings, slots: Array(repeating: Slot(), count: parameters.count)))
    }

    private static func validate(_ s: Settings) throws(OptimizerError) {
        try require(s.learningRate >= 0 && s.learningRate.isFinite, "lr", s.learningRate, "must be finite and ≥ 0")
        try require(s.beta1 >= 0 && s.beta1 < 1, "beta1", s.beta1, "must be in [0, 1)")
        try require(s.beta2 >= 0 && s.beta2 < 1, "beta2", s.beta2, "must be in [0, 1)")
        try require(s.epsilon >= 0 && s.epsilon.isFinite, "eps", s.epsilon, "must be finite and ≥ 0")
        try require(s.weightDecay >= 0 && s.weightDecay.isFinite, "weight_decay", s.weightDecay, "must be finite and ≥ 0")
    }

    public var parameterNames: [String] { list.names }

    public var learningRate: Float {
        get { locked.withLock { $0.settings.learningRate } }
        set { locked.withLock { $0.settings.learningRate = newValue } }
    }

    public var stepCount: Int { locked.withLock { $0.stepCount } }

    public func step() throws(OptimizerError) {
        let gradients = try list.gradients()
        try locked.withLock { (state: inout State) throws(OptimizerError) in
            // Moments restored on another device follow their parameter; this may throw, so it
            // happens before any parameter is updated.
            for index in list.parameters.indices where gradients[index] != nil {
                try list.follow(&state.slots[index].firstMoment, parameter: index, suffix: ".exp_avg")
                try list.follow(&state.slots[index].secondMoment, parameter: index, suffix: ".exp_avg_sq")
            }
            let s = state.settings
            for index in list.parameters.indices {
                guard let gradient = gradients[index] else { continue }
                let parameter = list.parameters[index]
                let (shape, backend) = parameter.shapeAndBackend
                var slot = state.slots[index]
                state.slots[index] = Slot()  // hand the moments over uniquely (no copy-on-write copy)
                var m = slot.firstMoment ?? Tensor.full(shape, value: 0, backend: backend)
                var v = slot.secondMoment ?? Tensor.full(shape, value: 0, backend: backend)
                slot.firstMoment = nil
                slot.secondMoment = nil
                slot.step += 1
                let hyper = AdamHyperparameters(
                    learningRate: s.learningRate, beta1: s.beta1, beta2: s.beta2,
                    epsilon: s.epsilon, weightDecay: s.weightDecay,
                    decoupledWeightDecay: s.decoupledWeightDecay, step: slot.step)
                let count = shape.reduce(1, *)
                m.updateInPlace { mStorage in
                    v.updateInPlace { vStorage in
                        parameter.updateInPlace { pStorage in
                            pStorage.backend.adamStep(
                                parameter: pStorage.buffer, gradient: gradient.storage.buffer,
                                firstMoment: mStorage.buffer, secondMoment: vStorage.buffer,
                                count: count, hyper: hyper)
                        }
                    }
                }
                slot.firstMoment = m
                slot.secondMoment = v
                state.slots[index] = slot
            }
            state.stepCount += 1
        }
    }

    public func zeroGrad() { Self.clearGradients(list.parameters) }

    // MARK: State

    private static let hyperparameterKeys: Set<String> = [
        "lr", "beta1", "beta2", "eps", "weight_decay", "decoupled_weight_decay",
    ]

    /// Entries per parameter: `<name>.step` (a 0-d tensor, like PyTorch's, exact up to 2²⁴ steps) and,
    /// once the parameter has stepped, `<name>.exp_avg` and `<name>.exp_avg_sq` of its shape.
    public func state() -> OptimizerState {
        locked.withLock { state in
            var tensors: [String: Tensor] = [:]
            for (name, slot) in zip(list.names, state.slots) {
                tensors[name + ".step"] = Tensor(Float(slot.step))
                if let m = slot.firstMoment, let v = slot.secondMoment {
                    tensors[name + ".exp_avg"] = m
                    tensors[name + ".exp_avg_sq"] = v
                }
            }
            let s = state.settings
            return OptimizerState(
                optimizer: "Adam", stepCount: state.stepCount, tensors: tensors,
                hyperparameters: [
                    "lr": Double(s.learningRate), "beta1": Double(s.beta1), "beta2": Double(s.beta2),
                    "eps": Double(s.epsilon), "weight_decay": Double(s.weightDecay),
                    "decoupled_weight_decay": s.decoupledWeightDecay ? 1 : 0,
                ])
        }
    }

    public func load(state saved: OptimizerState) throws(OptimizerError) {
        try ParameterList.checkHeader(saved, optimizer: "Adam", hyperparameterKeys: Self.hyperparameterKeys)
        let h = saved.hyperparameters
        let settings = Settings(
            learningRate: Float(h["lr"]!), beta1: Float(h["beta1"]!), beta2: Float(h["beta2"]!),
            epsilon: Float(h["eps"]!), weightDecay: Float(h["weight_decay"]!),
            decoupledWeightDecay: h["decoupled_weight_decay"]! != 0)
        try Adam.validate(settings)
        var known = Set<String>()
        var slots: [Slot] = []
        for (name, parameter) in zip(list.names, list.parameters) {
            let value = parameter.value
            let stepKey = name + ".step", mKey = name + ".exp_avg", vKey = name + ".exp_avg_sq"
            known.formUnion([stepKey, mKey, vKey])
            guard let stepTensor = saved.tensors[stepKey] else { throw .missingKey(stepKey) }
            guard stepTensor.count == 1 else { throw .shapeMismatch(key: stepKey, expected: [], found: stepTensor.shape) }
            let stepValue = stepTensor.scalars[0]
            guard stepValue >= 0, stepValue == stepValue.rounded(), stepValue < 0x1p24 else {
                throw .invalidValue(key: stepKey, reason: "\(stepValue) is not a step count")
            }
            var slot = Slot(step: Int(stepValue))
            slot.firstMoment = try ParameterList.tensor(mKey, in: saved, shape: value.shape, device: value.device)
            slot.secondMoment = try ParameterList.tensor(vKey, in: saved, shape: value.shape, device: value.device)
            if slot.step > 0 {
                guard slot.firstMoment != nil else { throw .missingKey(mKey) }
                guard slot.secondMoment != nil else { throw .missingKey(vKey) }
            } else if slot.firstMoment != nil || slot.secondMoment != nil {
                throw .invalidValue(key: stepKey, reason: "step 0 with saved moments")
            }
            slots.append(slot)
        }
        try ParameterList.rejectUnknownKeys(saved, known: known)
        locked.withLock { state in
            state = State(settings: settings, slots: slots, stepCount: saved.stepCount)
        }
    }
}
