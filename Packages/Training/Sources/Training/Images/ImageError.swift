/// An image could not be built, encoded or decoded.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Width or height is not in `1...Int32.max`, or the pixel count overflows.
    case invalidDimensions(width: Int, height: Int)
    /// The pixel buffer does not hold width × height × channels bytes.
    case pixelCountMismatch(width: Int, height: Int, channels: Int, found: Int)
    /// A tensor has a shape an image operation cannot use; `expected` describes the accepted shapes.
    case invalidShape(operation: String, shape: [Int], expected: String)
    /// A grid parameter is out of range (`imagesPerRow` below 1, negative padding).
    case invalidParameter(operation: String, String)
    /// zlib reported `code` while compressing.
    case compressionFailed(zlibCode: Int32)
    /// The bytes are not a PNG this decoder reads; the reason names the chunk or offset.
    case invalidPNG(String)

    public var description: String {
        switch self {
        case .invalidDimensions(let width, let height):
            return "invalid image size \(width)×\(height): both must be between 1 and \(Int32.max)"
        case .pixelCountMismatch(let width, let height, let channels, let found):
            return
                "a \(width)×\(height) image with \(channels) channel(s) needs \(width * height * channels) bytes, found \(found)"
        case .invalidShape(let operation, let shape, let expected):
            return "\(operation): expected \(expected), got shape \(shape)"
        case .invalidParameter(let operation, let reason):
            return "\(operation): \(reason)"
        case .compressionFailed(let code):
            return "zlib compression failed with code \(code)"
        case .invalidPNG(let reason):
            return "invalid PNG: \(reason)"
        }
    }
}
