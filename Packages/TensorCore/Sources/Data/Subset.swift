/// A view of some examples of another dataset, in a given order (PyTorch's `Subset`).
///
/// Example `i` of the subset is example `indices[i]` of `base`. The ``SampleContext`` passed on
/// carries the base index, so an example gets the same random augmentation whichever subset it
/// is read through.
public struct Subset<Base: Dataset>: Dataset {
    /// The underlying dataset.
    public let base: Base
    /// Indices into `base`; repetitions are allowed.
    public let indices: [Int]

    /// The examples of `base` at `indices`.
    /// - Throws: ``DataLoaderError/indexOutOfRange(index:count:)`` for an index outside `0 ..< base.count`.
    public init(_ base: Base, indices: [Int]) throws(DataLoaderError) {
        if let bad = indices.first(where: { $0 < 0 || $0 >= base.count }) {
            throw .indexOutOfRange(index: bad, count: base.count)
        }
        self.base = base
        self.indices = indices
    }

    /// The first `count` examples of `base`.
    /// - Throws: ``DataLoaderError/invalidSetting(name:value:requirement:)`` unless `0 ≤ count ≤ base.count`.
    public init(_ base: Base, first count: Int) throws(DataLoaderError) {
        guard count >= 0 && count <= base.count else {
            throw .invalidSetting(name: "first", value: count, requirement: "must be in 0...\(base.count) (the dataset's size)")
        }
        self.base = base
        self.indices = Array(0..<count)
    }

    public var count: Int { indices.count }

    /// Example `index` of the subset.
    /// - Throws: ``DataLoaderError/indexOutOfRange(index:count:)``, or whatever `base` throws.
    public func example(at index: Int, context: SampleContext) throws -> Example {
        guard index >= 0 && index < indices.count else {
            throw DataLoaderError.indexOutOfRange(index: index, count: indices.count)
        }
        let baseIndex = indices[index]
        return try base.example(at: baseIndex, context: SampleContext(seed: context.seed, epoch: context.epoch, index: baseIndex))
    }
}
