import Foundation  // Data.write, for the IDX files.
import MNISTData
import TensorCore
import TestKit

/// Digit-like 28×28 images (strokes of a few line segments on black, labels 0–9) written as the
/// four standard MNIST IDX files, so the whole pipeline runs from files without the real data.
enum SyntheticDigits {
    /// Writes `train` and `test` images (raw IDX for train, the same bytes for test; distinct images)
    /// into `directory` under the standard MNIST names.
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
        var pixels: [UInt8] = []
        var classes: [UInt8] = []
        for index in 0..<count {
            pixels += image(index: offset + index)
            classes.append(UInt8((offset + index) % 10))
        }
        try write(
            IDXArray(elementType: .uint8, dimensions: [count, 28, 28], bytes: pixels).serialized(), to: directory.file(images))
        try write(IDXArray(elementType: .uint8, dimensions: [count], bytes: classes).serialized(), to: directory.file(labels))
    }

    /// Three random thick segments; the random stream is keyed by the index, so images are distinct.
    private static func image(index: Int) -> [UInt8] {
        var random = PhiloxStream(key: PhiloxKey(seed: 0xD161_7500, stream: UInt64(index)))
        var pixels = [UInt8](repeating: 0, count: 28 * 28)
        for _ in 0..<3 {
            let x0 = random.nextUniform(in: 6, 22), y0 = random.nextUniform(in: 6, 22)
            let x1 = random.nextUniform(in: 6, 22), y1 = random.nextUniform(in: 6, 22)
            for t in stride(from: Float(0), through: 1, by: 0.02) {
                let cx = x0 + (x1 - x0) * t, cy = y0 + (y1 - y0) * t
                for y in max(0, Int(cy) - 1)...min(27, Int(cy) + 1) {
                    for x in max(0, Int(cx) - 1)...min(27, Int(cx) + 1) {
                        pixels[y * 28 + x] = 255
                    }
                }
            }
        }
        return pixels
    }

    /// - Throws: Foundation's file error, which names `path`.
    private static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The directory of the real MNIST files, when `MNIST_DIR` names one.
let realMNISTDirectory: String? = {
    guard let value = getenv("MNIST_DIR") else { return nil }
    let path = String(cString: value)
    return path.isEmpty ? nil : path
}()
