import NN
import Optim
import TensorCore

extension ModelSubject {
    /// The subject whose every model instance (and every copy moved to another device) is
    /// passed through `transform`.
    func mutatingInstances(_ transform: @escaping @Sendable (ModelInstance) throws -> ModelInstance) -> ModelSubject {
        var copy = self
        let instantiate = self.instantiate
        copy.instantiate = { seed, device in try ModelInstance.mutating(try instantiate(seed, device), with: transform) }
        return copy
    }
}

extension ModelInstance {
    /// `instance` through `transform`, with copies moved to another device transformed too.
    static func mutating(
        _ instance: ModelInstance, with transform: @escaping @Sendable (ModelInstance) throws -> ModelInstance
    ) throws -> ModelInstance {
        var mutated = try transform(instance)
        let moved = instance.moved
        mutated.moved = { device in try mutating(try moved(device), with: transform) }
        return mutated
    }

    /// The instance with its forward pass's output passed through `change` (the loss, which runs
    /// its own forward pass, is unchanged).
    func mappingOutput(_ change: @escaping (Tensor, any Module) throws -> Tensor) -> ModelInstance {
        var copy = self
        let forward = self.forward
        let module = self.module
        copy.forward = { input in try change(try forward(input), module) }
        return copy
    }

    /// The instance whose optimiser is `wrap`ped around the real one.
    func wrappingOptimizer(_ wrap: @escaping (any Optimizer, any Module) -> any Optimizer) -> ModelInstance {
        var copy = self
        let make = self.makeOptimizer
        let module = self.module
        copy.makeOptimizer = { wrap(try make(), module) }
        return copy
    }
}

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

/// A model with one more parameter that its forward pass never uses: a layer built but skipped.
final class ModelWithUnusedLayer: Module {
    let model: any Module
    let unused: Parameter

    init(model: any Module, unused: Parameter) {
        self.model = model
        self.unused = unused
    }

    var namedChildren: [(name: String, module: any Module)] { model.namedChildren }
    var namedLocalParameters: [(name: String, parameter: Parameter)] {
        model.namedLocalParameters + [("unusedLayer.weight", unused)]
    }
    var namedLocalBuffers: [(name: String, buffer: Buffer)] { model.namedLocalBuffers }
    var trainingFlag: TrainingFlag? { model.trainingFlag }

    func copy(with clone: ModuleCloner) throws(DeviceError) -> ModelWithUnusedLayer {
        ModelWithUnusedLayer(model: try clone(model), unused: try clone(unused))
    }
}
