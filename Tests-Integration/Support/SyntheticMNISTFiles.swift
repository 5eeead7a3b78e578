import Foundation  // Data.write, for the IDX files.
import MNISTData
import MNISTDataChecks
import TestKit

/// MNISTDataChecks' ``SyntheticDigits`` (digit-like 28×28 strokes, labels 0–9) written as the four
/// standard MNIST IDX files, so the whole pipeline runs from files without the real data.
enum SyntheticMNISTFiles {
    /// Writes `train` and `test` images (training indices from 0, test indices from 10,000, so no
    /// image is in both) into `directory` under the standard MNIST names, raw IDX.
    static func write(train: Int, test: Int, into directory: TemporaryDirectory) throws {
        try write(count: train, offset: 0, images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", into: directory)
        try write(
            count: test, offset: 10_000, images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", into: directory)
    }

    /// The MNIST collection without download mirrors (tests never use the network).
    static var offlineCollection: IDXCollection {
        var collection = IDXCollection.mnist
        collection.mirrors = []
        return collection
    }

    private static func write(
        count: Int, offset: Int, images: String, labels: String,
        into directory: TemporaryDirectory
    ) throws {
        let set = try SyntheticDigits.images(count: count, offset: offset)
        try write(
            IDXArray(elementType: .uint8, dimensions: [count, 28, 28], bytes: set.pixels).serialized(),
            to: directory.file(images))
        try write(IDXArray(elementType: .uint8, dimensions: [count], bytes: set.labels).serialized(), to: directory.file(labels))
    }

    /// - Throws: Foundation's file error, which names `path`.
    private static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
