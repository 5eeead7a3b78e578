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

extension DatasetSubject {
    /// The subject with `transform` applied to every split it returns a new split for, or `nil`
    /// when it applies to none (the operator does not apply).
    func mutatingSplits(_ transform: (DatasetSplit) -> DatasetSplit?) -> DatasetSubject? {
        var copy = self
        var changed = false
        copy.splits = splits.map { split in
            guard let mutated = transform(split) else { return split }
            changed = true
            return mutated
        }
        return changed ? copy : nil
    }
}

extension DatasetSplit {
    /// The split with `transform` applied to the dataset and, where `views` says so, to the
    /// unaugmented and unnormalised views (the same samples, so a fault in the source shows in all).
    func mapping(views: Bool, _ transform: (any Dataset) -> any Dataset) -> DatasetSplit {
        var copy = self
        copy.dataset = transform(dataset)
        if views {
            copy.unaugmented = unaugmented.map(transform)
            copy.unnormalized = unnormalized.map(transform)
        }
        return copy
    }
}
