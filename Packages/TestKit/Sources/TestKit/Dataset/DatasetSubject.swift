import Data
import TensorCore

/// A dataset under test: its splits, what each split promises, and how the checks read it.
///
/// ```swift
/// let train = try MNIST(split: .train)
/// let digits = DatasetSubject(name: "MNIST", splits: [
///     DatasetSplit("train", train, expecting: SplitExpectation(
///         sampleShape: [1, 32, 32], valueRange: -1...1, augmented: true, classes: 10),
///         unaugmented: train.withTransform(ImagePipeline.reference(augment: false))),
///     DatasetSplit("test", try MNIST(split: .test), expecting: SplitExpectation(
///         sampleShape: [1, 32, 32], valueRange: -1...1, augmented: false, classes: 10)),
/// ])
/// @Test(arguments: DatasetCheck.allCases, ["train", "test"])
/// func mnist(_ check: DatasetCheck, split: String) throws {
///     try check.verify(on: digits.focused(on: split))
/// }
/// ```
public struct DatasetSubject: CheckSubject {
    /// A short name for reports, e.g. `"MNIST"`.
    public var name: String
    /// The splits, e.g. train and test.
    public var splits: [DatasetSplit]
    /// Seed of the sample contexts and loaders the checks use.
    public var seed: UInt64
    /// How many samples per split the per-sample checks (shape, range, augmentation, labels) read,
    /// spread evenly over the split including the first and last; `nil` reads every sample.
    /// The leakage and normalisation checks always read every sample.
    public var samplesPerCheck: Int?
    /// How ``DatasetCheck/loaderWorkers`` builds its loaders.
    public var loader: LoaderSettings
    /// The normalisation statistics the dataset uses, when it normalises with fixed statistics.
    public var normalization: NormalizationDeclaration?
    /// When set, only this split is checked (leakage still compares it with every other split).
    public var focus: String?
    /// Checks that do not apply, with the reason (reported as skipped).
    public var skipped: [DatasetCheck: String]

    /// Describes a dataset under test; the parameters set the properties of the same names.
    public init(
        name: String, splits: [DatasetSplit], seed: UInt64 = 0, samplesPerCheck: Int? = 256,
        loader: LoaderSettings = LoaderSettings(), normalization: NormalizationDeclaration? = nil,
        skipped: [DatasetCheck: String] = [:]
    ) {
        self.name = name
        self.splits = splits
        self.seed = seed
        self.samplesPerCheck = samplesPerCheck
        self.loader = loader
        self.normalization = normalization
        self.focus = nil
        self.skipped = skipped
    }

    /// The same subject checking only `split` (for one test case per check and split).
    public func focused(on split: String) -> DatasetSubject {
        var copy = self
        copy.focus = split
        copy.name = "\(name)[\(split)]"
        return copy
    }

    /// The splits the checks examine: the focused one, or all.
    var examinedSplits: [DatasetSplit] {
        guard let focus else { return splits }
        return splits.filter { $0.name == focus }
    }

    /// The indices the per-sample checks read from a split of `count` samples.
    func sampleIndices(count: Int) -> [Int] {
        guard let limit = samplesPerCheck, limit < count else { return Array(0..<count) }
        guard limit > 1 else { return count > 0 ? [0] : [] }
        var indices = (0..<limit).map { $0 * (count - 1) / (limit - 1) }
        indices = Array(Set(indices)).sorted()
        return indices
    }
}

/// One split of a dataset and the promises it makes.
public struct DatasetSplit: Sendable {
    /// The split's name, e.g. `"train"`.
    public var name: String
    /// The samples as training or evaluation reads them (with augmentation and normalisation).
    public var dataset: any Dataset
    /// What every sample must satisfy.
    public var expectation: SplitExpectation
    /// The same samples without augmentation (same order): the leakage check compares these when
    /// the split augments.
    public var unaugmented: (any Dataset)?
    /// The same samples without augmentation and before normalisation (same order): the
    /// normalisation check computes statistics from these.
    public var unnormalized: (any Dataset)?

    /// The split `name` read from `dataset`, promising `expectation`; `unaugmented` and `unnormalized`
    /// are the same samples before augmentation and before normalisation (see the properties).
    public init(
        _ name: String, _ dataset: any Dataset, expecting expectation: SplitExpectation,
        unaugmented: (any Dataset)? = nil, unnormalized: (any Dataset)? = nil
    ) {
        self.name = name
        self.dataset = dataset
        self.expectation = expectation
        self.unaugmented = unaugmented
        self.unnormalized = unnormalized
    }

    /// The samples the leakage check compares: ``unaugmented``, or the dataset when it does not augment.
    var comparableSamples: (any Dataset)? {
        unaugmented ?? (expectation.augmented ? nil : dataset)
    }
}

/// What the samples of one split must satisfy.
public struct SplitExpectation: Sendable, Equatable {
    /// Shape of one sample's input, e.g. `[1, 32, 32]`.
    public var sampleShape: [Int]
    /// Every value must lie in this range.
    public var valueRange: ClosedRange<Float>
    /// Whether negative and positive values must both occur among the samples read, which
    /// catches data scaled to [0, 1] where [-1, 1] was meant.
    public var requiresBothSigns: Bool
    /// Whether the split applies random augmentation (different samples in different epochs).
    public var augmented: Bool
    /// Fraction of the samples read that must change between two epochs when ``augmented``
    /// (default: at least one sample must change).
    public var minimumAugmentedFraction: Double
    /// Number of classes: every label must be in `0 ..< classes`; `nil` when samples carry no label.
    public var classes: Int?
    /// Number of samples the split must hold (``DatasetCheck/sampleCount``); `nil` when not promised.
    public var count: Int?
    /// Whether no two samples of the split are identical (``DatasetCheck/sampleCount`` reads every
    /// sample, or the unaugmented view, and compares them by content).
    public var distinctSamples: Bool
    /// Labels known for some sample indices, e.g. MNIST's first training labels `5 0 4 1 9`
    /// (``DatasetCheck/labelAlignment``): a label shifted against its image fails.
    public var knownLabels: [Int: Int]

    /// The promises of a split; the parameters set the properties of the same names.
    public init(
        sampleShape: [Int], valueRange: ClosedRange<Float>, requiresBothSigns: Bool = true,
        augmented: Bool, minimumAugmentedFraction: Double = 0, classes: Int? = nil,
        count: Int? = nil, distinctSamples: Bool = false, knownLabels: [Int: Int] = [:]
    ) {
        self.sampleShape = sampleShape
        self.valueRange = valueRange
        self.requiresBothSigns = requiresBothSigns
        self.augmented = augmented
        self.minimumAugmentedFraction = minimumAugmentedFraction
        self.classes = classes
        self.count = count
        self.distinctSamples = distinctSamples
        self.knownLabels = knownLabels
    }
}

/// How ``DatasetCheck/loaderWorkers`` builds its loaders.
public struct LoaderSettings: Sendable, Equatable {
    /// Batch size of both loaders.
    public var batchSize: Int
    /// Worker count of the parallel loader (compared with 0 workers).
    public var workers: Int
    /// Whether the loaders shuffle (with the subject's seed).
    public var shuffle: Bool
    /// Read at most this many samples per split (the first ones) through the loaders; `nil` for all.
    public var sampleLimit: Int?

    /// Loader settings; the parameters set the properties of the same names.
    public init(batchSize: Int = 8, workers: Int = 2, shuffle: Bool = true, sampleLimit: Int? = 512) {
        self.batchSize = batchSize
        self.workers = workers
        self.shuffle = shuffle
        self.sampleLimit = sampleLimit
    }
}

/// Fixed normalisation statistics a dataset uses: `x' = (x − mean[c]) / std[c]` per channel `c`
/// (the first dimension of a sample; one value for all channels when the arrays hold one element).
public struct NormalizationDeclaration: Sendable, Equatable {
    /// Mean per channel (or one value for all).
    public var mean: [Float]
    /// Standard deviation per channel (or one value for all).
    public var std: [Float]
    /// The split the statistics must be computed from (never the evaluation data).
    public var sourceSplit: String
    /// Largest allowed |declared − computed| for each statistic.
    public var tolerance: Float

    /// Statistics `mean` and `std` (per channel, or one value each) computed from `sourceSplit`.
    public init(mean: [Float], std: [Float], sourceSplit: String = "train", tolerance: Float = 1e-3) {
        self.mean = mean
        self.std = std
        self.sourceSplit = sourceSplit
        self.tolerance = tolerance
    }
}
