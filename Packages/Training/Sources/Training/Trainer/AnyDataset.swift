import Data

/// Any dataset behind one concrete type, so a trainer can hold training and test sets of
/// different types without being generic over them.
struct AnyDataset: Dataset {
    let base: any Dataset

    init(_ base: any Dataset) {
        self.base = base
    }

    var count: Int { base.count }

    func example(at index: Int, context: SampleContext) throws -> Example {
        try base.example(at: index, context: context)
    }
}
