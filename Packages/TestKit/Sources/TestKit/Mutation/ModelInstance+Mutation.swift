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
