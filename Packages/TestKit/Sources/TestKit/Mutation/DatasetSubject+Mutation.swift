import Data

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
