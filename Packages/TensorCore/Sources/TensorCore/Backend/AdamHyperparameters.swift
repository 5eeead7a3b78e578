/// Hyper-parameters of one fused Adam(W) update (PyTorch semantics, see ``Backend/adamStep(parameter:gradient:firstMoment:secondMoment:count:hyper:)``).
public struct AdamHyperparameters: Hashable, Sendable {
    /// Step size (lr).
    public var learningRate: Float
    /// Decay rate of the first-moment (mean) estimate, in [0, 1).
    public var beta1: Float
    /// Decay rate of the second-moment (uncentred variance) estimate, in [0, 1).
    public var beta2: Float
    /// Added to the square root of the bias-corrected second moment to avoid division by zero.
    public var epsilon: Float
    /// L2 penalty added to the gradient (Adam) or decoupled decay (AdamW when `decoupled`).
    public var weightDecay: Float
    /// `true` for AdamW: the parameter is multiplied by `1 − learningRate · weightDecay` before
    /// the update instead of `weightDecay · parameter` being added to the gradient.
    public var decoupledWeightDecay: Bool
    /// 1-based step number used for bias correction.
    public var step: Int

    /// The settings of update number `step` (1-based); the defaults are PyTorch's Adam defaults
    /// without weight decay.
    public init(
        learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, decoupledWeightDecay: Bool = false, step: Int
    ) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        self.weightDecay = weightDecay; self.decoupledWeightDecay = decoupledWeightDecay; self.step = step
    }
}
