/// An example index outside a dataset, thrown by ``MNIST/example(at:context:)`` and
/// ``LabeledImages/selecting(_:)``; the ``description`` names the index and the valid range, e.g.
/// `example index 10000 is outside 0..<10000`.
///
/// A struct rather than an enum: there is one way to fail, and the index and the dataset's size
/// are all there is to say about it.
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
