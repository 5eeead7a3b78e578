/// Hyper-parameters of one SGD update (PyTorch semantics, see
/// ``Backend/sgdStep(parameter:gradient:momentumBuffer:count:hyper:)``).
public struct SGDHyperparameters: Hashable, Sendable {
    /// Step size (lr), ≥ 0.
    public var learningRate: Float
    /// Momentum factor `μ` ≥ 0; `0` disables the momentum buffer.
    public var momentum: Float
    /// Dampening `τ` in `[0, 1]`, applied from the second step on: `b ← μ·b + (1 − τ)·d`.
    public var dampening: Float
    /// L2 coefficient `λ` ≥ 0 added to the gradient as `g + λ·p`.
    public var weightDecay: Float
    /// Nesterov momentum (`d ← d + μ·b` instead of `d ← b`).
    public var nesterov: Bool
    /// Whether this is the first update with this momentum buffer, which then starts as `b ← d`.
    public var firstStep: Bool

    /// The settings of one update; the defaults are PyTorch's (plain SGD without momentum).
    public init(
        learningRate: Float, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
        nesterov: Bool = false, firstStep: Bool
    ) {
        self.learningRate = learningRate; self.momentum = momentum; self.dampening = dampening
        self.weightDecay = weightDecay; self.nesterov = nesterov; self.firstStep = firstStep
    }

    /// `1 − τ`, the weight of the new direction in the momentum buffer, rounded once from Float64.
    public var dampeningComplement: Float { Float(1 - Double(dampening)) }
}
