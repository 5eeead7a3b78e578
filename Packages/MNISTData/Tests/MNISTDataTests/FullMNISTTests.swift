import Data
import MNISTData
import Testing

/// The directory of the real MNIST files, from the environment (tests are skipped without it).
let realMNISTDirectory = DataDirectory.processEnvironment("MNIST_DIR")

@Suite(
    "Real MNIST (needs MNIST_DIR)",
    .enabled(
        if: realMNISTDirectory != nil,
        "set MNIST_DIR to a directory holding the four MNIST IDX files (raw or .gz) to run these"))
struct FullMNISTTests {
    // Published class counts of MNIST (LeCun et al.).
    static let trainHistogram = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    static let testHistogram = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

    /// Each split is loaded once and shared by the tests (static lets initialise lazily, once).
    static let train = Result { try MNIST(split: .train) }
    static let test = Result { try MNIST(split: .test) }
    static func load(_ split: MNIST.Split) throws -> MNIST { try (split == .train ? train : test).get() }

    func histogram(_ labels: [UInt8]) -> [Int] {
        var counts = [Int](repeating: 0, count: 10)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }

    @Test("60,000 + 10,000 images of 28×28, label histograms, first training labels")
    func sizesAndLabels() throws {
        let train = try Self.load(.train)
        let test = try Self.load(.test)
        #expect(train.count == 60_000)
        #expect(test.count == 10_000)
        #expect(train.data.height == 28 && train.data.width == 28)
        #expect(train.data.pixels.count == 60_000 * 784)
        #expect(histogram(train.data.labels) == Self.trainHistogram)
        #expect(histogram(test.data.labels) == Self.testHistogram)
        #expect(train.data.labels.prefix(10).map(Int.init) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    }

    @Test("the decompressed files have the published SHA-256 digests")
    func digests() throws {
        let directory = DataDirectory.resolve(for: .mnist)
        for file in IDXCollection.mnist.allFiles {
            let path = try #require(directory.existingPath(of: file), "\(file.name) not in \(directory)")
            #expect(try IDXArray.read(path: path).sha256Hex() == file.sha256, "\(path)")
        }
    }

    @Test("raw training pixels have mean 0.1307 and standard deviation 0.3081 (of x/255)")
    func pixelStatistics() throws {
        let pixels = try Self.load(.train).data.pixels
        // Count each byte value, then sum over the 256 values (fast in a debug build).
        var counts = [Int](repeating: 0, count: 256)
        counts.withUnsafeMutableBufferPointer { counts in
            pixels.withUnsafeBufferPointer { pixels in
                let countsBase = counts.baseAddress!
                for pixel in pixels { countsBase[Int(pixel)] &+= 1 }
            }
        }
        var sum = 0, sumOfSquares = 0
        for (value, count) in counts.enumerated() {
            sum += value * count
            sumOfSquares += value * value * count
        }
        let n = Double(pixels.count)
        let mean = Double(sum) / n / 255
        let variance = Double(sumOfSquares) / n / (255 * 255) - mean * mean
        #expect(abs(mean - 0.1307) < 0.00005)
        #expect(abs(variance.squareRoot() - 0.3081) < 0.00005)
    }

    @Test(
        "after the reference transforms every example lies in [-1, 1] and has both signs",
        arguments: MNIST.Split.allCases)
    func transformedRange(split: MNIST.Split) throws {
        let mnist = try Self.load(split)
        // Every test example; every 6th training example (10,000), keeping the debug build fast.
        let stride = split == .train ? 6 : 1
        for index in Swift.stride(from: 0, to: mnist.count, by: stride) {
            let values = try mnist.example(at: index, context: SampleContext(seed: 5, epoch: 0, index: index)).input.scalars
            #expect(values.count == 1024)
            let low = values.min()!, high = values.max()!
            if low < -1 || high > 1 || low >= 0 || high <= 0 {
                Issue.record("example \(index) of \(split) spans [\(low), \(high)]")
                return
            }
        }
    }
}
