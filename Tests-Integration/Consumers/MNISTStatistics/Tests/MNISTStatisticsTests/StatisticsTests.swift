import Foundation
import MNISTData
import MNISTStatistics
import Testing

/// A temporary directory holding a generated MNIST test split (raw IDX files), removed afterwards.
struct GeneratedSplit: ~Copyable {
    let directory: String

    /// Writes `images` (each 28×28 bytes) and `labels` as `t10k-images-idx3-ubyte` and
    /// `t10k-labels-idx1-ubyte`.
    init(images: [[UInt8]], labels: [UInt8]) throws {
        directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("mnist-statistics-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let imageFile = try IDXArray(elementType: .uint8, dimensions: [images.count, 28, 28], bytes: images.flatMap { $0 })
        let labelFile = try IDXArray(elementType: .uint8, dimensions: [labels.count], bytes: labels)
        try Data(imageFile.serialized()).write(to: URL(fileURLWithPath: directory + "/t10k-images-idx3-ubyte"))
        try Data(labelFile.serialized()).write(to: URL(fileURLWithPath: directory + "/t10k-labels-idx1-ubyte"))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite struct StatisticsTests {
    /// One black and one white image: mean ½ and standard deviation ½ by hand.
    @Test func blackAndWhiteImages() throws {
        let split = try GeneratedSplit(
            images: [[UInt8](repeating: 0, count: 784), [UInt8](repeating: 255, count: 784)],
            labels: [3, 7])
        let statistics = try StatisticsCommand(directory: split.directory, split: .test).run()
        #expect(statistics.count == 2)
        #expect(statistics.height == 28 && statistics.width == 28)
        #expect(statistics.labelHistogram == [0, 0, 0, 1, 0, 0, 0, 1])
        #expect(statistics.pixelMean == 0.5)
        #expect(statistics.pixelStandardDeviation == 0.5)
        #expect(statistics.report.contains("pixel mean: 0.5000\npixel std: 0.5000"))
        #expect(statistics.report.hasSuffix("label 3: 1\nlabel 4: 0\nlabel 5: 0\nlabel 6: 0\nlabel 7: 1"))
    }

    /// Varied images: the statistics equal a direct two-pass computation over the same bytes.
    @Test func variedImagesMatchTwoPassComputation() throws {
        let images = (0..<12).map { k in
            (0..<784).map { UInt8(truncatingIfNeeded: ($0 * 31 + k * 97) % 256 & (k % 2 == 0 ? 0xFF : 0x3F)) }
        }
        let labels = (0..<12).map { UInt8($0 % 10) }
        let split = try GeneratedSplit(images: images, labels: labels)
        let statistics = try StatisticsCommand(arguments: [split.directory, "--split", "test"]).run()

        let values = images.flatMap { $0 }.map { Double($0) / 255 }
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(statistics.count == 12)
        #expect(statistics.labelHistogram == [2, 2, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(abs(statistics.pixelMean - mean) < 1e-12)
        #expect(abs(statistics.pixelStandardDeviation - deviation) < 1e-12)
    }

    /// A directory without the files: MNISTData's error names the directory.
    @Test func missingFilesNameTheDirectory() throws {
        let split = try GeneratedSplit(images: [], labels: [])
        let error = #expect(throws: (any Error).self) {
            try StatisticsCommand(directory: split.directory + "/absent", split: .train).run()
        }
        #expect("\(error!)".contains(split.directory + "/absent"))
    }

    @Test func commandLine() throws {
        #expect(try StatisticsCommand(arguments: []) == StatisticsCommand(directory: nil, split: .test))
        #expect(
            try StatisticsCommand(arguments: ["--split", "train", "data"]) == StatisticsCommand(directory: "data", split: .train))
        #expect(throws: StatisticsCommandError.invalidSplit("validation")) {
            try StatisticsCommand(arguments: ["--split", "validation"])
        }
        #expect(throws: StatisticsCommandError.missingValue(flag: "--split")) { try StatisticsCommand(arguments: ["--split"]) }
        #expect(throws: StatisticsCommandError.unknownFlag("--verbose")) { try StatisticsCommand(arguments: ["--verbose"]) }
        #expect(throws: StatisticsCommandError.extraArgument("b")) { try StatisticsCommand(arguments: ["a", "b"]) }
    }

    /// With MNIST_DIR: the real training split has the published size and pixel statistics.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MNIST_DIR"] != nil, "set MNIST_DIR to check real MNIST"))
    func realTrainingSplit() throws {
        let statistics = try StatisticsCommand(split: .train).run()
        #expect(statistics.count == 60_000)
        #expect(statistics.labelHistogram.count == 10 && statistics.labelHistogram.reduce(0, +) == 60_000)
        #expect(abs(statistics.pixelMean - 0.1307) < 1e-4)
        #expect(abs(statistics.pixelStandardDeviation - 0.3081) < 1e-4)
    }
}
