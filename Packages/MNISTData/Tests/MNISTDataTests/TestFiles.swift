import CZlib
import Foundation
import MNISTData

/// A fresh temporary directory for one test, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/mnistdata-test-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw TestSetupError("mkdtemp failed") }
        path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` in the directory and returns the full path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let full = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Names of the files in the directory.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `bytes` compressed in the gzip format (one member) with zlib.
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    // 15 window bits + 16: write a gzip header and trailer instead of zlib's.
    let status = deflateInit2_(
        &stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
        zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    precondition(status == Z_OK, "deflateInit2 failed: \(status)")
    defer { deflateEnd(&stream) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
    let produced = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            stream.next_out = outBuffer.baseAddress
            stream.avail_out = uInt(outBuffer.count)
            let result = deflate(&stream, Z_FINISH)
            precondition(result == Z_STREAM_END, "deflate did not finish: \(result)")
            return outBuffer.count - Int(stream.avail_out)
        }
    }
    return Array(output.prefix(produced))
}

/// A tiny image/label set: `count` images of `height × width` with distinct, reproducible pixels.
struct TinySet {
    var count = 5
    var height = 28
    var width = 28
    var classCount = 10
    /// Changes every pixel, so that sets with different variants share no image.
    var variant = 0

    func pixel(image: Int, row: Int, column: Int) -> UInt8 {
        UInt8((image * 37 + row * 11 + column * 5 + (row * column) % 13 + variant * 101) % 256)
    }

    var pixels: [UInt8] {
        (0..<count).flatMap { i in (0..<height).flatMap { r in (0..<width).map { c in pixel(image: i, row: r, column: c) } } }
    }

    var labels: [UInt8] { (0..<count).map { UInt8(($0 * 3 + 1) % classCount) } }

    func imagesFile() throws -> IDXArray {
        try IDXArray(elementType: .uint8, dimensions: [count, height, width], bytes: pixels)
    }

    func labelsFile() throws -> IDXArray {
        try IDXArray(elementType: .uint8, dimensions: [count], bytes: labels)
    }
}

/// A collection shaped like MNIST (same file names) whose digests match `set`, with the given mirrors.
func tinyCollection(_ set: TinySet, mirrors: [String] = [], pinDigests: Bool = true) throws -> IDXCollection {
    let images = try set.imagesFile(), labels = try set.labelsFile()
    func file(_ name: String, _ array: IDXArray) -> IDXCollection.File {
        IDXCollection.File(name: name, sha256: pinDigests ? array.sha256Hex() : nil)
    }
    return IDXCollection(
        name: "Tiny", directoryVariable: "TINY_DIR", cacheFolder: "tiny", mirrors: mirrors,
        imageHeight: set.height, imageWidth: set.width, classCount: set.classCount,
        trainImages: file("train-images-idx3-ubyte", images), trainLabels: file("train-labels-idx1-ubyte", labels),
        testImages: file("t10k-images-idx3-ubyte", images), testLabels: file("t10k-labels-idx1-ubyte", labels))
}
