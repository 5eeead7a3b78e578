import Data
import TensorCore
import TestKit
import TestKitTesting
import Testing
import UserModel

/// The user's dataset described for TestKit: a jittered training split and a plain test split
/// with other points.
let clustersSubject: DatasetSubject = {
    let train = GaussianClusters(count: 60, contentKey: 1, jitter: 0.05)
    let test = GaussianClusters(count: 30, contentKey: 2)
    return DatasetSubject(
        name: "GaussianClusters",
        splits: [
            DatasetSplit(
                "train", train,
                expecting: SplitExpectation(
                    sampleShape: [2], valueRange: -2...2, augmented: true, classes: 3), unaugmented: train.unaugmented),
            DatasetSplit(
                "test", test,
                expecting: SplitExpectation(
                    sampleShape: [2], valueRange: -2...2, augmented: false, classes: 3)),
        ], skipped: [.normalizationStatistics: "the points are not normalised with fixed statistics"])
}()

/// TestKit's whole dataset suite on each split, one reported result per check and split.
@Test(arguments: DatasetCheck.allCases, ["train", "test"])
func clusters(_ check: DatasetCheck, split: String) throws {
    try check.verify(on: clustersSubject.focused(on: split))
}
