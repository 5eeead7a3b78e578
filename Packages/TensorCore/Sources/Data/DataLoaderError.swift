/// Errors of data loading; each names the sample index, batch or setting involved.
public enum DataLoaderError: Error, CustomStringConvertible {
    /// The dataset threw while producing the example at `index` (an index of the loader's dataset),
    /// or a tensor operation inside it was misused (then `underlying` is a `TensorError`).
    case sampleFailed(index: Int, underlying: any Error)
    /// The examples of batch `batch` cannot be stacked (different input shapes, labels on some only).
    case collation(batch: Int, reason: String)
    /// An index outside `0 ..< count` was asked of a dataset or given to a ``Subset``.
    case indexOutOfRange(index: Int, count: Int)
    /// A loader or subset setting is out of range.
    case invalidSetting(name: String, value: Int, requirement: String)

    public var description: String {
        switch self {
        case .sampleFailed(let index, let underlying):
            return "loading sample \(index) failed: \(underlying)"
        case .collation(let batch, let reason):
            return "cannot collate batch \(batch): \(reason)"
        case .indexOutOfRange(let index, let count):
            return "index \(index) is out of range for a dataset of \(count) examples"
        case .invalidSetting(let name, let value, let requirement):
            return "invalid data loader setting \(name) = \(value): \(requirement)"
        }
    }
}
