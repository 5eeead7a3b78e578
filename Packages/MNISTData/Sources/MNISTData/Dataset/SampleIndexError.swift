/// An example index outside a dataset.
public struct SampleIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The index asked for.
    public var index: Int
    /// The number of examples (valid indices are `0..<count`).
    public var count: Int

    /// The error for `index` in a dataset of `count` examples.
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public var description: String { "example index \(index) is outside 0..<\(count)" }
}
