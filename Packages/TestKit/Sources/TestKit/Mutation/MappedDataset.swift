import Data
import TensorCore

/// A dataset read through a function of another: what a data mutation wraps a split in.
struct MappedDataset: Dataset {
    /// The dataset wrapped.
    let base: any Dataset
    /// The number of samples the wrapper exposes.
    let count: Int
    /// Reads sample `index` for `context` from `base`.
    let read: @Sendable (_ base: any Dataset, _ index: Int, _ context: SampleContext) throws -> Example

    func example(at index: Int, context: SampleContext) throws -> Example {
        try read(base, index, context)
    }
}

extension Dataset {
    /// This dataset with every example passed through `transform` (index and context as read).
    func mappingExamples(_ transform: @escaping @Sendable (Example, SampleContext) throws -> Example) -> any Dataset {
        MappedDataset(base: self, count: count) { base, index, context in
            try transform(try base.example(at: index, context: context), context)
        }
    }

    /// This dataset with `index` read through `remap` (the sample count unchanged unless `count` is given).
    func remappingIndices(count: Int? = nil, _ remap: @escaping @Sendable (Int) -> Int) -> any Dataset {
        MappedDataset(base: self, count: count ?? self.count) { base, index, context in
            let source = remap(index)
            var moved = context
            moved.index = source
            return try base.example(at: source, context: moved)
        }
    }
}
