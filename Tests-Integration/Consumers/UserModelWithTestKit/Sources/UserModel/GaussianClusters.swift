import Data
import Foundation  // cos and sin (a user project; the libraries themselves avoid full Foundation)
import TensorCore

/// A user's own dataset: points in the plane around `classes` centres on the unit circle, one
/// class per centre, each point a pure function of `(contentKey, index)`.
///
/// Each example's input is a `[2]` tensor with both coordinates in `[-2, 2]` and its label the
/// centre's index. With `jitter > 0` every read adds noise drawn from the example's
/// `SampleContext.random` (augmentation: it changes from epoch to epoch, never with the number of
/// loader workers). Two datasets with different `contentKey`s share no point.
public struct GaussianClusters: Dataset {
    /// Number of examples.
    public let count: Int
    /// Number of classes (centres).
    public let classes: Int
    /// Selects the points: different keys give different, disjoint datasets.
    public let contentKey: UInt64
    /// Amplitude of the per-read uniform noise (0: no augmentation).
    public let jitter: Float

    /// A dataset of `count` points in `classes` clusters.
    public init(count: Int, classes: Int = 3, contentKey: UInt64, jitter: Float = 0) {
        self.count = count
        self.classes = classes
        self.contentKey = contentKey
        self.jitter = jitter
    }

    /// The same points without augmentation.
    public var unaugmented: GaussianClusters {
        GaussianClusters(count: count, classes: classes, contentKey: contentKey, jitter: 0)
    }

    /// Example `index`: a `[2]` point and its class.
    /// - Throws: ``ClusterIndexError`` when `index` is outside `0..<count`.
    public func example(at index: Int, context: SampleContext) throws -> Example {
        guard index >= 0 && index < count else { throw ClusterIndexError(index: index, count: count) }
        let label = index % classes
        let angle = 2 * Float.pi * Float(label) / Float(classes)
        var content = PhiloxStream(key: PhiloxKey(seed: contentKey, stream: UInt64(index)))
        var x = Float(cos(Double(angle))) + content.nextUniform(in: -0.4, 0.4)
        var y = Float(sin(Double(angle))) + content.nextUniform(in: -0.4, 0.4)
        if jitter > 0 {
            var noise = context.random
            x += noise.nextUniform(in: -jitter, jitter)
            y += noise.nextUniform(in: -jitter, jitter)
        }
        return Example(input: Tensor([x, y]), label: label)
    }
}

/// An index outside a ``GaussianClusters`` dataset.
public struct ClusterIndexError: Error, Equatable, CustomStringConvertible {
    /// The index asked for.
    public var index: Int
    /// The dataset's size.
    public var count: Int

    /// The error for `index` in a set of `count` examples.
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// What was asked and what exists.
    public var description: String { "GaussianClusters: index \(index) is outside 0..<\(count)" }
}
