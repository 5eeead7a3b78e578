import MNISTData
import TestKit

/// TestKit dataset subjects for MNIST-style data with the reference preprocessing.
public enum MNISTSubjects {
    /// The reference promises on both splits: samples of shape `[1, 32, 32]` in [-1, 1] with both
    /// signs, random rotation on the training split only (checked against the same split without
    /// it), labels 0–9, identical batches for 0 and N loader workers, no image in both splits.
    /// The reference scales 0…255 to [-1, 1] with fixed constants and declares no mean/std, so the
    /// normalisation-statistics check is skipped with that reason.
    public static func reference(name: String, train: MNIST, test: MNIST) -> DatasetSubject {
        let expectation = { (augmented: Bool) in
            SplitExpectation(sampleShape: [1, 32, 32], valueRange: -1...1, augmented: augmented, classes: 10)
        }
        return DatasetSubject(
            name: name,
            splits: [
                DatasetSplit(
                    "train", train, expecting: expectation(true),
                    unaugmented: train.withTransform(ImagePipeline.reference(augment: false))),
                DatasetSplit("test", test, expecting: expectation(false)),
            ],
            skipped: [
                .normalizationStatistics: "the reference scales with fixed constants (x/127.5 − 1) and declares no mean/std"
            ])
    }

    /// The reference promises on MNIST's own code run on ``SyntheticDigits`` (`train` and `test`
    /// images in memory), with what generated data can promise too: the sample counts, distinct
    /// samples, and the known label of every one of the first 10 samples of each split. Mutation
    /// analysis (`dlcheck --mutate`) plants its data faults here.
    /// - Throws: what ``SyntheticDigits/images(count:offset:)`` throws.
    public static func synthetic(train: Int = 48, test: Int = 24) throws -> DatasetSubject {
        let trainSet = MNIST(split: .train, data: try SyntheticDigits.images(count: train, offset: 0))
        let testSet = MNIST(split: .test, data: try SyntheticDigits.images(count: test, offset: 10_000))
        let expectation = { (augmented: Bool, count: Int, offset: Int) in
            SplitExpectation(
                sampleShape: [1, 32, 32], valueRange: -1...1, augmented: augmented, classes: 10, count: count,
                distinctSamples: true,
                knownLabels: Dictionary(
                    uniqueKeysWithValues: (0..<min(10, count)).map { ($0, SyntheticDigits.label(index: $0, offset: offset)) }))
        }
        return DatasetSubject(
            name: "MNIST pipeline (synthetic digits)",
            splits: [
                DatasetSplit(
                    "train", trainSet, expecting: expectation(true, train, 0),
                    unaugmented: trainSet.withTransform(ImagePipeline.reference(augment: false))),
                DatasetSplit("test", testSet, expecting: expectation(false, test, 10_000)),
            ],
            skipped: [
                .normalizationStatistics: "the reference scales with fixed constants (x/127.5 − 1) and declares no mean/std"
            ])
    }
}
