import MNISTData

/// What the `mnist-statistics` command reports about one split of an IDX image/label set.
///
/// Pixel statistics are of the raw pixels scaled to `[0, 1]` (`x / 255`), over every pixel of
/// every image: the figures usually quoted for MNIST (train: mean 0.1307, std 0.3081).
public struct SplitStatistics: Sendable, Equatable {
    /// Number of images.
    public var count: Int
    /// Rows per image.
    public var height: Int
    /// Columns per image.
    public var width: Int
    /// `labelHistogram[k]` is the number of images labelled `k` (`0 ... largest label`).
    public var labelHistogram: [Int]
    /// Mean of `x / 255` over all pixels.
    public var pixelMean: Double
    /// Population standard deviation of `x / 255` over all pixels.
    public var pixelStandardDeviation: Double

    /// Computes the statistics of `images` (one pass over the pixels, sums in integers, so the
    /// result does not depend on summation order). An empty set has mean and deviation 0.
    public init(_ images: LabeledImages) {
        count = images.count
        height = images.height
        width = images.width
        var histogram = [Int](repeating: 0, count: (images.labels.max().map(Int.init) ?? -1) + 1)
        for label in images.labels { histogram[Int(label)] += 1 }
        labelHistogram = histogram
        var sum = 0, sumOfSquares = 0
        for pixel in images.pixels {
            sum += Int(pixel)
            sumOfSquares += Int(pixel) * Int(pixel)
        }
        let n = Double(images.pixels.count)
        guard n > 0 else {
            pixelMean = 0
            pixelStandardDeviation = 0
            return
        }
        let mean = Double(sum) / n
        let variance = max(0, Double(sumOfSquares) / n - mean * mean)
        pixelMean = mean / 255
        pixelStandardDeviation = variance.squareRoot() / 255
    }

    /// The report the command prints: one `key: value` line each for the count, image size,
    /// pixel mean and standard deviation (four decimals), then one `label k: n` line per label.
    public var report: String {
        var lines = [
            "images: \(count)",
            "size: \(height)x\(width)",
            "pixel mean: \(Self.fixed(pixelMean, decimals: 4))",
            "pixel std: \(Self.fixed(pixelStandardDeviation, decimals: 4))",
        ]
        lines += labelHistogram.enumerated().map { "label \($0.offset): \($0.element)" }
        return lines.joined(separator: "\n")
    }

    /// `value` rounded to `decimals` digits after the point, without exponent notation.
    static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale))
        let padded = String(repeating: "0", count: decimals - fraction.count) + fraction
        return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? "." + padded : "")
    }
}
