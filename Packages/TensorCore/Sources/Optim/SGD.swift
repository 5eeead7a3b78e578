import Synchronization
import TensorCore

/// Stochastic gradient descent with PyTorch's semantics (`torch.optim.SGD`).
///
/// For each parameter `p` with gradient `g`:
/// ```text
/// d ← g + λ·p                                   (weightDecay λ > 0)
/// b ← d on the first step, else μ·b + (1 − τ)·d  (momentum μ > 0, dampening τ)
/// d ← d + μ·b (nesterov) or b                    (momentum μ > 0)
/// p ← p − lr·d
/// ```
/// Each parameter's update is one ``Backend/sgdStep(parameter:gradient:momentumBuffer:count:hyper:)``
/// of its backend (one fused kernel on the CPU; composed from the elementwise primitives, with the
/// same operations in the same order, on a backend that does not fuse it). Either way it runs in
/// place on the parameter's memory.
public final class SGD: Optimizer {
    private let list: ParameterList

    private struct Settings {
        var learningRate: Float, momentum: Float, dampening: Float, weightDecay: Float
        var nesterov: Bool
    }

    private struct State {
        var settings: Settings
        /// Momentum buffer per parameter, `nil` before its first step with momentum.
        var buffers: [Tensor?]
        var stepCount = 0
    }

    private let locked: Mutex<State>

    /// An SGD optimizer over named parameters (for example `model.namedParameters()`).
    ///
    /// - Parameters:
    ///   - learningRate: step size `lr` ≥ 0 (PyTorch requires it; no default).
    ///   - momentum: `μ` ≥ 0 (0 disables the momentum buffer).
    ///   - dampening: `τ` in `[0, 1]`, applied from the second step on.
    ///   - weightDecay: L2 coefficient `λ` ≥ 0 added to the gradient.
    ///   - nesterov: Nesterov momentum; needs `momentum > 0` and `dampening == 0`.
    /// - Throws: ``OptimizerError/invalidHyperparameter(name:value:requirement:)`` or
    ///   ``OptimizerError/duplicateParameter(_:)``.
    public convenience init<P: OptimizableParameter>(
        _ parameters: [(name: String, parameter: P)], learningRate: Float, momentum: Float = 0,
        dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false
    ) throws(OptimizerError) {
        try self.init(
            anyParameters: parameters.map { ($0.name, $0.parameter as any OptimizableParameter) },
            learningRate: learningRate, momentum: momentum, dampening: dampening,
            weightDecay: weightDecay, nesterov: nesterov)
    }

    /// The same over parameters of mixed types.
    /// - Throws: ``OptimizerError/invalidHyperparameter(name:value:requirement:)`` or
    ///   ``OptimizerError/duplicateParameter(_:)``.
    public init(
        anyParameters parameters: [(name: String, parameter: any OptimizableParameter)],
        learningRate: Float, momentum: Float = 0, dampening: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false
    ) throws(OptimizerError) {
        let settings = Settings(
            learningRate: learningRate, momentum: momentum, dampening: dampening,
            weightDecay: weightDecay, nesterov: nesterov)
        try SGD.validate(settings)
        list = try ParameterList(parameters)
        locked = Mutex(State(settings: settings, buffers: Array(repeating: nil, count: parameters.count)))
    }

    private static func validate(_ s: Settings) throws(OptimizerError) {
        try require(s.learningRate >= 0 && s.learningRate.isFinite, "lr", s.learningRate, "must be finite and ≥ 0")
        try require(s.momentum >= 0 && s.momentum.isFinite, "momentum", s.momentum, "must be finite and ≥ 0")
        try require(s.dampening >= 0 && s.dampening <= 1, "dampening", s.dampening, "must be in [0, 1]")
        try require(s.weightDecay >= 0 && s.weightDecay.isFinite, "weight_decay", s.weightDecay, "must be finite and ≥ 0")
        if s.nesterov {
            try require(
                s.momentum > 0 && s.dampening == 0, "momentum", s.momentum,
                "Nesterov momentum needs momentum > 0 and dampening 0")
        }
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
            // Buffers restored on another device follow their parameter; this may throw, so it
            // happens before any parameter is updated.
            for index in list.parameters.indices where gradients[index] != nil {
                try list.follow(&state.buffers[index], parameter: index, suffix: ".momentum_buffer")
            }
            let s = state.settings
            for index in list.parameters.indices {
                guard let gradient = gradients[index] else { continue }
                let parameter = list.parameters[index]
                let (shape, backend) = parameter.shapeAndBackend
                var buffer = state.buffers[index]
                state.buffers[index] = nil  // hand the buffer over uniquely
                let firstStep = buffer == nil
                if s.momentum != 0 && buffer == nil { buffer = Tensor.full(shape, value: 0, backend: backend) }
                parameter.updateInPlace { pStorage in
                    if var b = buffer {
                        buffer = nil
                        b.updateInPlace { bStorage in
                            update(pStorage, gradient, bStorage, count: shape.reduce(1, *), s, firstStep: firstStep)
                        }
                        buffer = b
                    } else {
                        update(pStorage, gradient, nil, count: shape.reduce(1, *), s, firstStep: firstStep)
                    }
                }
                state.buffers[index] = buffer
            }
            state.stepCount += 1
        }
    }

    /// One parameter's update through its backend.
    private func update(
        _ parameter: TensorStorage, _ gradient: Tensor, _ buffer: TensorStorage?, count: Int,
        _ s: Settings, firstStep: Bool
    ) {
        parameter.backend.sgdStep(
            parameter: parameter.buffer, gradient: gradient.storage.buffer, momentumBuffer: buffer?.buffer,
            count: count,
            hyper: SGDHyperparameters(
                learningRate: s.learningRate, momentum: s.momentum, dampening: s.dampening,
                weightDecay: s.weightDecay, nesterov: s.nesterov, firstStep: firstStep))
    }

    public func zeroGrad() { Self.clearGradients(list.parameters) }

    // MARK: State

    private static let hyperparameterKeys: Set<String> = ["lr", "momentum", "dampening", "weight_decay", "nesterov"]

    /// Entries per parameter: `<name>.momentum_buffer` of its shape, once it has one (momentum > 0).
    public func state() -> OptimizerState {
        locked.withLock { state in
            var tensors: [String: Tensor] = [:]
            for (name, buffer) in zip(list.names, state.buffers) {
                if let buffer { tensors[name + ".momentum_buffer"] = buffer }
            }
            let s = state.settings
            return OptimizerState(
                optimizer: "SGD", stepCount: state.stepCount, tensors: tensors,
                hyperparameters: [
                    "lr": Double(s.learningRate), "momentum": Double(s.momentum), "dampening": Double(s.dampening),
                    "weight_decay": Double(s.weightDecay), "nesterov": s.nesterov ? 1 : 0,
                ])
        }
    }

    public func load(state saved: OptimizerState) throws(OptimizerError) {
        try ParameterList.checkHeader(saved, optimizer: "SGD", hyperparameterKeys: Self.hyperparameterKeys)
        let h = saved.hyperparameters
        let settings = Settings(
            learningRate: Float(h["lr"]!), momentum: Float(h["momentum"]!),
            dampening: Float(h["dampening"]!), weightDecay: Float(h["weight_decay"]!),
            nesterov: h["nesterov"]! != 0)
        try SGD.validate(settings)
        var known = Set<String>()
        var buffers: [Tensor?] = []
        for (name, parameter) in zip(list.names, list.parameters) {
            let key = name + ".momentum_buffer"
            known.insert(key)
            let (shape, backend) = parameter.shapeAndBackend
            buffers.append(try ParameterList.tensor(key, in: saved, shape: shape, device: backend.device))
        }
        try ParameterList.rejectUnknownKeys(saved, known: known)
        locked.withLock { state in
            state = State(settings: settings, buffers: buffers, stepCount: saved.stepCount)
        }
    }
}
