import Optim

/// An optimiser that plants a fault around a real one: every requirement forwards to `base`
/// unless a closure replaces it.
final class FaultyOptimizer: Optimizer {
    let base: any Optimizer
    let names: (@Sendable ([String]) -> [String])?
    let stepping: (@Sendable (any Optimizer) throws(OptimizerError) -> Void)?
    let zeroing: (@Sendable (any Optimizer) -> Void)?

    init(
        _ base: any Optimizer, names: (@Sendable ([String]) -> [String])? = nil,
        step: (@Sendable (any Optimizer) throws(OptimizerError) -> Void)? = nil,
        zeroGrad: (@Sendable (any Optimizer) -> Void)? = nil
    ) {
        self.base = base
        self.names = names
        self.stepping = step
        self.zeroing = zeroGrad
    }

    var parameterNames: [String] { names?(base.parameterNames) ?? base.parameterNames }
    var learningRate: Float {
        get { base.learningRate }
        set { base.learningRate = newValue }
    }
    var stepCount: Int { base.stepCount }
    func step() throws(OptimizerError) {
        if let stepping { try stepping(base) } else { try base.step() }
    }
    func zeroGrad() {
        if let zeroing { zeroing(base) } else { base.zeroGrad() }
    }
    func state() -> OptimizerState { base.state() }
    func load(state: OptimizerState) throws(OptimizerError) { try base.load(state: state) }
}
