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
}
