import TensorCore

/// One item of a dataset: an input tensor and an optional integer class label.
public struct Example: Sendable {
    /// The sample, e.g. an image of shape `[1, 32, 32]`.
    public var input: Tensor
    /// The class label, when the dataset has labels.
    public var label: Int?

    /// An example of `input` (any shape) with an optional class `label`.
    public init(input: Tensor, label: Int? = nil) {
        self.input = input
        self.label = label
    }
}

/// What a dataset may use when producing one example: where randomness for augmentation comes from.
///
/// The key is derived from `(seed, epoch, index)` only, so an example is the same whichever worker
/// thread produces it and however many workers there are.
public struct SampleContext: Sendable, Hashable {
    /// Seed of the run (the loader's seed).
    public var seed: UInt64
    /// 0-based epoch.
    public var epoch: Int
    /// Index of the example in its dataset.
    public var index: Int

    /// The context of example `index` in `epoch` of a run keyed by `seed`.
    public init(seed: UInt64, epoch: Int, index: Int) {
        self.seed = seed
        self.epoch = epoch
        self.index = index
    }

    /// A fresh Philox stream for this example's random augmentation.
    public var random: PhiloxStream {
        // Stream id packs epoch (high 32 bits) and index (low 32 bits); the seed is the key.
        let stream = (UInt64(UInt32(truncatingIfNeeded: epoch)) << 32) | UInt64(UInt32(truncatingIfNeeded: index))
        return PhiloxStream(key: PhiloxKey(seed: seed ^ 0xA5A5_5A5A_DEEB_7A57, stream: stream))
    }
}

/// A finite, indexable collection of examples (PyTorch's map-style `Dataset`).
///
/// Implementations must be safe to call from several threads at once (the DataLoader's workers).
public protocol Dataset: Sendable {
    /// Number of examples.
    var count: Int { get }

    /// The example at `index` (`0 ..< count`).
    ///
    /// - Throws: whatever reading or decoding the example throws; the DataLoader rethrows it to
    ///   its caller together with the index.
    func example(at index: Int, context: SampleContext) throws -> Example
}
