import MNISTData
import TensorCore

/// Digit-like 28×28 images in memory — three thick strokes on black, label `index % 10` — for
/// running MNIST's own code (the ``MNIST`` dataset and the reference pipeline) where the real
/// files are not at hand: mutation analysis in CI, tests. Each image is a pure function of its
/// index (training images and test images use disjoint index ranges), so no two images are equal.
public enum SyntheticDigits {
    /// `count` images starting at `offset` (0 for training, 10,000 for test) with their labels.
    /// - Throws: `IDXError` only if the arrays were inconsistent (they are not).
    public static func images(count: Int, offset: Int) throws -> LabeledImages {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(count * 28 * 28)
        for index in 0..<count { pixels += image(index: offset + index) }
        let labels = (0..<count).map { UInt8((offset + $0) % 10) }
        return try LabeledImages(height: 28, width: 28, pixels: pixels, labels: labels)
    }

    /// The label of image `index` of a set starting at `offset`.
    public static func label(index: Int, offset: Int) -> Int { (offset + index) % 10 }

    private static func image(index: Int) -> [UInt8] {
        var random = PhiloxStream(key: PhiloxKey(seed: 0xD161_7500, stream: UInt64(index)))
        var pixels = [UInt8](repeating: 0, count: 28 * 28)
        for _ in 0..<3 {
            let x0 = random.nextUniform(in: 6, 22), y0 = random.nextUniform(in: 6, 22)
            let x1 = random.nextUniform(in: 6, 22), y1 = random.nextUniform(in: 6, 22)
            for t in stride(from: Float(0), through: 1, by: 0.02) {
                let cx = x0 + (x1 - x0) * t, cy = y0 + (y1 - y0) * t
                for y in max(0, Int(cy) - 1)...min(27, Int(cy) + 1) {
                    for x in max(0, Int(cx) - 1)...min(27, Int(cx) + 1) { pixels[y * 28 + x] = 255 }
                }
            }
        }
        return pixels
    }
}
