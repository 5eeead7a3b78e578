import TensorCore

/// The value range of image tensors, mapped linearly to pixel values 0...255.
public enum PixelRange: Sendable {
    /// -1 is black and 1 white (the VAE's Tanh output and normalised inputs).
    case minusOneToOne
    /// 0 is black and 1 white.
    case zeroToOne
}

/// Turns image tensors into pixel images: a grid of a batch (like `torchvision.utils.make_grid`
/// followed by `save_image`) and input | reconstruction pairs.
///
/// Values are mapped to `[0, 1]` by `range`, then to bytes as `save_image` does:
/// `clamp(v · 255 + 0.5, 0, 255)` truncated; NaN becomes 0. One channel gives a grayscale
/// image and three an RGB image.
public enum ImageGrid {
    /// Tiles a batch `[N, C, H, W]` (C = 1 or 3) into one image, `imagesPerRow` per row, row by
    /// row, with `padding` pixels of `padValue` around and between the tiles.
    ///
    /// The result is `ceil(N / k)·(H + p) + p` high and `k·(W + p) + p` wide for
    /// `k = min(imagesPerRow, N)`, `p = padding` (a batch of one is padded too, unlike make_grid).
    /// - Throws: ``ImageError/invalidShape(operation:shape:expected:)`` for other shapes or an
    ///   empty batch, ``ImageError/invalidParameter(operation:_:)`` for `imagesPerRow < 1` or a
    ///   negative padding.
    public static func grid(
        _ batch: Tensor, imagesPerRow: Int = 8, padding: Int = 2, padValue: UInt8 = 0,
        range: PixelRange = .minusOneToOne
    ) throws(ImageError) -> PixelImage {
        let tiles = try Tiles(batch, operation: "ImageGrid.grid", range: range)
        return try compose(
            tiles.images, tileWidth: tiles.width, tileHeight: tiles.height, format: tiles.format,
            perRow: imagesPerRow, padding: padding, padValue: padValue, operation: "ImageGrid.grid")
    }

    /// Tiles pairs `input[i] | reconstruction[i]` (each pair 2·W wide, the two halves touching)
    /// into one image, `pairsPerRow` pairs per row, padded as ``grid(_:imagesPerRow:padding:padValue:range:)``.
    ///
    /// - Throws: ``ImageError/invalidShape(operation:shape:expected:)`` when the batches are not
    ///   `[N, C, H, W]` (C = 1 or 3) of the same shape; ``ImageError/invalidParameter(operation:_:)``.
    public static func pairs(
        inputs: Tensor, reconstructions: Tensor, pairsPerRow: Int = 4, padding: Int = 2,
        padValue: UInt8 = 0, range: PixelRange = .minusOneToOne
    ) throws(ImageError) -> PixelImage {
        let operation = "ImageGrid.pairs"
        guard inputs.shape == reconstructions.shape else {
            throw .invalidShape(
                operation: operation, shape: reconstructions.shape,
                expected: "reconstructions of the inputs' shape \(inputs.shape)")
        }
        let left = try Tiles(inputs, operation: operation, range: range)
        let right = try Tiles(reconstructions, operation: operation, range: range)
        let joined = zip(left.images, right.images).map {
            sideBySide($0, $1, width: left.width, height: left.height, format: left.format)
        }
        return try compose(
            joined, tileWidth: 2 * left.width, tileHeight: left.height, format: left.format,
            perRow: pairsPerRow, padding: padding, padValue: padValue, operation: operation)
    }

    /// One image `[C, H, W]` (C = 1 or 3) as pixels, without padding.
    /// - Throws: ``ImageError/invalidShape(operation:shape:expected:)`` for other shapes.
    public static func image(_ tensor: Tensor, range: PixelRange = .minusOneToOne) throws(ImageError) -> PixelImage {
        guard tensor.rank == 3 else {
            throw .invalidShape(operation: "ImageGrid.image", shape: tensor.shape, expected: "[C, H, W] with C = 1 or 3")
        }
        let tiles = try Tiles(tensor.reshaped([1] + tensor.shape), operation: "ImageGrid.image", range: range)
        return try PixelImage(width: tiles.width, height: tiles.height, format: tiles.format, pixels: tiles.images[0])
    }

    /// One pair `input | reconstruction`, each `[C, H, W]` of the same shape, as an H × 2W image.
    /// - Throws: ``ImageError/invalidShape(operation:shape:expected:)`` for other shapes.
    public static func pair(input: Tensor, reconstruction: Tensor, range: PixelRange = .minusOneToOne) throws(ImageError)
        -> PixelImage
    {
        guard input.rank == 3, input.shape == reconstruction.shape else {
            throw .invalidShape(
                operation: "ImageGrid.pair", shape: reconstruction.shape,
                expected: "two [C, H, W] tensors (C = 1 or 3) of the same shape, the input being \(input.shape)")
        }
        return try pairs(
            inputs: input.reshaped([1] + input.shape), reconstructions: reconstruction.reshaped([1] + reconstruction.shape),
            pairsPerRow: 1, padding: 0, range: range)
    }

    // MARK: - Private

    /// A batch converted to interleaved bytes, one array per image.
    private struct Tiles {
        var images: [[UInt8]]
        var width: Int
        var height: Int
        var format: PixelImage.Format

        init(_ batch: Tensor, operation: String, range: PixelRange) throws(ImageError) {
            let shape = batch.shape
            guard shape.count == 4, shape[0] > 0, shape[1] == 1 || shape[1] == 3, shape[2] > 0, shape[3] > 0 else {
                throw .invalidShape(operation: operation, shape: shape, expected: "[N, C, H, W] with N, H, W > 0 and C = 1 or 3")
            }
            let (count, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
            let values = batch.scalars
            let plane = height * width
            images = (0..<count).map { n in
                var pixels = [UInt8](repeating: 0, count: plane * channels)
                for c in 0..<channels {
                    let base = (n * channels + c) * plane
                    for i in 0..<plane {
                        pixels[i * channels + c] = Self.byte(values[base + i], range: range)
                    }
                }
                return pixels
            }
            self.width = width
            self.height = height
            self.format = channels == 1 ? .gray : .rgb
        }

        @inline(__always)
        static func byte(_ value: Float, range: PixelRange) -> UInt8 {
            let unit = range == .minusOneToOne ? (value + 1) * 0.5 : value
            let scaled = unit * 255 + 0.5
            guard scaled >= 0 else { return 0 }  // also NaN
            return scaled >= 255 ? 255 : UInt8(scaled)
        }
    }

    /// Two tiles of the same size joined left | right.
    private static func sideBySide(
        _ left: [UInt8], _ right: [UInt8], width: Int, height: Int,
        format: PixelImage.Format
    ) -> [UInt8] {
        let stride = width * format.channels
        var out: [UInt8] = []
        out.reserveCapacity(2 * left.count)
        for y in 0..<height {
            out.append(contentsOf: left[(y * stride)..<((y + 1) * stride)])
            out.append(contentsOf: right[(y * stride)..<((y + 1) * stride)])
        }
        return out
    }

    /// Lays out equally sized tiles row by row with padding.
    private static func compose(
        _ tiles: [[UInt8]], tileWidth: Int, tileHeight: Int, format: PixelImage.Format,
        perRow: Int, padding: Int, padValue: UInt8, operation: String
    ) throws(ImageError) -> PixelImage {
        guard perRow >= 1 else { throw .invalidParameter(operation: operation, "\(perRow) images per row; at least 1 is needed") }
        guard padding >= 0 else { throw .invalidParameter(operation: operation, "padding \(padding) is negative") }
        let columns = min(perRow, tiles.count)
        let rows = (tiles.count + columns - 1) / columns
        let width = columns * (tileWidth + padding) + padding
        let height = rows * (tileHeight + padding) + padding
        let channels = format.channels
        var pixels = [UInt8](repeating: padValue, count: width * height * channels)
        let tileStride = tileWidth * channels
        for (index, tile) in tiles.enumerated() {
            let top = (index / columns) * (tileHeight + padding) + padding
            let left = (index % columns) * (tileWidth + padding) + padding
            for y in 0..<tileHeight {
                let destination = ((top + y) * width + left) * channels
                pixels.replaceSubrange(
                    destination..<(destination + tileStride), with: tile[(y * tileStride)..<((y + 1) * tileStride)])
            }
        }
        return try PixelImage(width: width, height: height, format: format, pixels: pixels)
    }
}
