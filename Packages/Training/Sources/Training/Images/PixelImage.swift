/// An 8-bit image in memory: rows top to bottom, pixels left to right, channels interleaved.
public struct PixelImage: Equatable, Sendable {
    /// Channel layout; the raw value is the channel count, which is also TensorBoard's colorspace code.
    public enum Format: Int, Equatable, Sendable {
        /// One channel: gray level (0 black, 255 white).
        case gray = 1
        /// Two channels: gray level, then alpha (0 transparent, 255 opaque).
        case grayAlpha = 2
        /// Three channels: red, green, blue.
        case rgb = 3
        /// Four channels: red, green, blue, then alpha.
        case rgba = 4

        /// Bytes per pixel.
        public var channels: Int { rawValue }

        /// The PNG color type (0 gray, 4 gray + alpha, 2 RGB, 6 RGBA).
        var pngColorType: UInt8 {
            switch self {
            case .gray: return 0
            case .grayAlpha: return 4
            case .rgb: return 2
            case .rgba: return 6
            }
        }

        init?(pngColorType: UInt8) {
            switch pngColorType {
            case 0: self = .gray
            case 4: self = .grayAlpha
            case 2: self = .rgb
            case 6: self = .rgba
            default: return nil
            }
        }
    }

    /// Columns of pixels.
    public let width: Int
    /// Rows of pixels.
    public let height: Int
    /// The channel layout of every pixel.
    public let format: Format
    /// `height × width × format.channels` bytes, row-major, channels interleaved.
    public let pixels: [UInt8]

    /// An image of `width × height` pixels in `format` from `pixels` (rows top to bottom, pixels left
    /// to right, channels interleaved).
    ///
    /// - Throws: ``ImageError/invalidDimensions(width:height:)`` when a side is not in `1...Int32.max`,
    ///   ``ImageError/pixelCountMismatch(width:height:channels:found:)`` when `pixels` has the wrong size.
    public init(width: Int, height: Int, format: Format, pixels: [UInt8]) throws(ImageError) {
        guard (1...Int(Int32.max)).contains(width), (1...Int(Int32.max)).contains(height) else {
            throw .invalidDimensions(width: width, height: height)
        }
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        let (count, overflow2) = area.multipliedReportingOverflow(by: format.channels)
        guard !overflow, !overflow2 else { throw .invalidDimensions(width: width, height: height) }
        guard pixels.count == count else {
            throw .pixelCountMismatch(width: width, height: height, channels: format.channels, found: pixels.count)
        }
        self.width = width
        self.height = height
        self.format = format
        self.pixels = pixels
    }

    /// The value of `channel` at column `x`, row `y` (both zero-based; traps when out of range).
    public subscript(x: Int, y: Int, channel: Int = 0) -> UInt8 {
        precondition(
            (0..<width).contains(x) && (0..<height).contains(y) && (0..<format.channels).contains(channel),
            "pixel (\(x), \(y), channel \(channel)) outside a \(width)×\(height) \(format) image")
        return pixels[(y * width + x) * format.channels + channel]
    }
}
