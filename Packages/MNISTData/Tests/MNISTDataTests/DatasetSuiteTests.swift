import MNISTData
import MNISTDataChecks
import Testing
import TestKit
import TestKitTesting

/// Generated splits: distinct images for train and test, written as IDX files and loaded back.
let tinySubject = Result { () throws -> DatasetSubject in
    let directory = try TemporaryDirectory()
    let trainSet = TinySet(count: 12, variant: 0), testSet = TinySet(count: 8, variant: 1)
    try directory.write(gzip(trainSet.imagesFile().serialized()), to: "train-images-idx3-ubyte.gz")
    try directory.write(trainSet.labelsFile().serialized(), to: "train-labels-idx1-ubyte")
    try directory.write(testSet.imagesFile().serialized(), to: "t10k-images-idx3-ubyte")
    try directory.write(gzip(testSet.labelsFile().serialized()), to: "t10k-labels-idx1-ubyte.gz")
    var collection = IDXCollection.mnist
    collection.mirrors = []
    return MNISTSubjects.reference(
        name: "generated MNIST",
        train: try MNIST(split: .train, collection: collection, directory: directory.path),
        test: try MNIST(split: .test, collection: collection, directory: directory.path))
}

/// The real splits (only with MNIST_DIR set; loaded by the first test that needs them).
let realSubject = Result { () throws -> DatasetSubject in
    MNISTSubjects.reference(name: "MNIST", train: try FullMNISTTests.load(.train), test: try FullMNISTTests.load(.test))
}

/// Every dataset check except normalisation statistics: the reference scales 0…255 to [-1, 1] with
/// fixed constants and declares no mean/std, so that check has nothing to compare.
let applicableChecks = DatasetCheck.allCases.filter { $0 != .normalizationStatistics }

/// The real-data cases: each check on each split, except leakage on the training split — the leakage
/// check compares the focused split with every other one and reads all 70,000 samples, so the
/// test split's case already covers the pair.
let realCases = applicableChecks.flatMap { check in
    ["train", "test"].filter { check != .leakage || $0 == "test" }.map { (check, $0) }
}

@Suite("TestKit dataset checks")
struct DatasetSuiteTests {
    @Test("generated files", arguments: applicableChecks, ["train", "test"])
    func generated(_ check: DatasetCheck, split: String) throws {
        try check.verify(on: tinySubject.get().focused(on: split))
    }

    @Test(
        "real MNIST", .enabled(if: realMNISTDirectory != nil, "set MNIST_DIR to run the dataset checks on real MNIST"),
        arguments: realCases)
    func real(_ check: DatasetCheck, split: String) throws {
        try check.verify(on: realSubject.get().focused(on: split))
    }
}
