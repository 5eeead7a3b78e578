import Data
import TensorCore

/// A user's own dataset: `side × side` grayscale images (`[1, side, side]`, values in `[-1, 1]`)
/// each showing one bright Gaussian blob on a dark background.
///
/// Image `index` is a pure function of `(contentKey, index)`: its centre and width come from a
/// Philox stream keyed by them, so any number of loader threads reads the same images. With
/// `noise > 0` every read adds uniform noise in `±noise` drawn from the example's
/// `SampleContext.random` (an augmentation that changes with the epoch), clamped to `[-1, 1]`.
public struct SyntheticBlobs: Dataset {
    /// Number of images.
    public let count: Int
    /// Height and width of every image, in pixels.
    public let side: Int
    /// Selects the images: another key gives other blobs.
    public let contentKey: UInt64
    /// Amplitude of the per-read noise (0: no augmentation).
    public let noise: Float

    /// A set of `count` images of `side × side` pixels.
    public init(count: Int, side: Int = 8, contentKey: UInt64, noise: Float = 0) {
        self.count = count
        self.side = side
        self.contentKey = contentKey
        self.noise = noise
    }

    /// Image `index` as a `[1, side, side]` CPU tensor, without a label.
    /// - Throws: ``BlobIndexError`` when `index` is outside `0..<count`.
    public func example(at index: Int, context: SampleContext) throws -> Example {
        guard index >= 0 && index < count else { throw BlobIndexError(index: index, count: count) }
        var placement = PhiloxStream(key: PhiloxKey(seed: contentKey, stream: UInt64(index)))
        let extent = Float(side - 1)
        let centreX = placement.nextUniform(in: 0.2 * extent, 0.8 * extent)
        let centreY = placement.nextUniform(in: 0.2 * extent, 0.8 * extent)
        let width = placement.nextUniform(in: 0.12, 0.3) * Float(side)
        var augmentation = context.random
        var pixels: [Float] = []
        pixels.reserveCapacity(side * side)
        for y in 0..<side {
            for x in 0..<side {
                let dx = Float(x) - centreX, dy = Float(y) - centreY
                pixels.append(-(dx * dx + dy * dy) / (width * width))
            }
        }
        // 2·exp(−r²/w²) − 1, computed by TensorCore for the whole image at once.
        var image = Tensor(shape: [1, side, side], scalars: pixels).exp() * 2 - 1
        if noise > 0 {
            let jitter = (0..<side * side).map { _ in augmentation.nextUniform(in: -noise, noise) }
            image = (image + Tensor(shape: [1, side, side], scalars: jitter)).clamped(min: -1, max: 1)
        }
        return Example(input: image)
    }
}

/// An index outside a ``SyntheticBlobs`` set.
public struct BlobIndexError: Error, Equatable, CustomStringConvertible {
    /// The index asked for.
    public var index: Int
    /// The set's size.
    public var count: Int

    /// The error for `index` in a set of `count` examples.
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// What was asked and what exists.
    public var description: String { "SyntheticBlobs: index \(index) is outside 0..<\(count)" }
}
