import TestKit

/// Dataset subjects built from ``SyntheticImages``: the correct one and variants with one defect each.
enum DatasetSubjects {
    static let trainKey: UInt64 = 11
    static let testKey: UInt64 = 22

    static let expectation = SplitExpectation(sampleShape: [1, 4, 4], valueRange: -1...1, augmented: false, classes: 3)

    static func make(
        seed: UInt64 = 0, train: SyntheticImages = SyntheticImages(count: 40, contentKey: trainKey, augment: true),
        test: SyntheticImages = SyntheticImages(count: 24, contentKey: testKey),
        testExpectation: SplitExpectation = expectation
    ) -> DatasetSubject {
        var trainExpectation = expectation
        trainExpectation.augmented = true
        trainExpectation.count = train.count
        trainExpectation.distinctSamples = true
        var testExpectation = testExpectation
        testExpectation.count = testExpectation.count ?? test.count
        testExpectation.distinctSamples = true
        return DatasetSubject(
            name: "synthetic",
            splits: [
                DatasetSplit("train", train, expecting: trainExpectation, unaugmented: train.unaugmented),
                DatasetSplit("test", test, expecting: testExpectation, unaugmented: test.unaugmented),
            ], seed: seed, loader: LoaderSettings(batchSize: 8, workers: 2))
    }

    /// Normalised datasets whose declared statistics come from the split named `statisticsFrom`.
    static func normalized(seed: UInt64 = 0, statisticsFrom: String = "train") throws -> DatasetSubject {
        let trainRaw = SyntheticUnitImages(count: 48, contentKey: trainKey)
        let testRaw = SyntheticUnitImages(count: 32, contentKey: testKey)
        let stats = try (statisticsFrom == "train" ? trainRaw : testRaw).statistics()
        let expectation = SplitExpectation(sampleShape: [1, 4, 4], valueRange: -4...4, augmented: false, classes: 3)
        return DatasetSubject(
            name: "normalised",
            splits: [
                DatasetSplit(
                    "train", NormalizedImages(raw: trainRaw, mean: stats.mean, std: stats.std), expecting: expectation,
                    unnormalized: trainRaw),
                DatasetSplit(
                    "test", NormalizedImages(raw: testRaw, mean: stats.mean, std: stats.std), expecting: expectation,
                    unnormalized: testRaw),
            ], seed: seed, normalization: NormalizationDeclaration(mean: [stats.mean], std: [stats.std], tolerance: 1e-4))
    }
}
