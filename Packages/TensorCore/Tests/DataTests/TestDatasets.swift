import Data
import Synchronization
import TensorCore

struct SampleError: Error, Equatable { let index: Int }

/// Counts how many examples were produced (across threads).
final class ProductionCounter: Sendable {
    let produced = Atomic<Int>(0)
}

/// Example `i`: input `[2, 3]` of `i + u` with `u` uniform noise from the sample's own random
/// stream (the augmentation), label `i % 10`; throws at `failAt`.
struct NoisyDataset: Dataset {
    let count: Int
    var failAt: Int? = nil
    var labeled = true
    var counter = ProductionCounter()

    func example(at index: Int, context: SampleContext) throws -> Example {
        counter.produced.add(1, ordering: .relaxed)
        if index == failAt { throw SampleError(index: index) }
        var random = context.random
        let values = (0..<6).map { _ in Float(index) + random.nextUniform() }
        return Example(input: Tensor(shape: [2, 3], scalars: values), label: labeled ? index % 10 : nil)
    }
}

/// Returns its context as the input, to check what a dataset is asked for.
struct ContextEcho: Dataset {
    let count: Int
    func example(at index: Int, context: SampleContext) throws -> Example {
        Example(input: Tensor([Float(context.index), Float(context.epoch), Float(context.seed)]), label: index)
    }
}

/// Misuses a tensor operation at `badIndex` (a shape mismatch that would stop the process outside
/// a checking scope), or returns inputs of a different shape at `oddShapeIndex`.
struct MisbehavingDataset: Dataset {
    let count: Int
    var badIndex: Int? = nil
    var oddShapeIndex: Int? = nil

    func example(at index: Int, context: SampleContext) throws -> Example {
        if index == badIndex { return Example(input: Tensor(shape: [2, 2], scalars: [1, 2, 3])) }
        return Example(input: Tensor.zeros(index == oddShapeIndex ? [3] : [2]))
    }
}
