/// The bytes of a PNG file together with its size and pixel format (read from `IHDR`).
public struct EncodedPNG: Equatable, Sendable {
    /// The complete file.
    public let bytes: [UInt8]
    /// Columns of pixels.
    public let width: Int
    /// Rows of pixels.
    public let height: Int
    /// Channel layout (whose channel count is TensorBoard's colorspace code).
    public let format: PixelImage.Format

    /// Wraps PNG file bytes after checking the signature and the `IHDR` chunk.
    ///
    /// - Throws: ``ImageError/invalidPNG(_:)`` when the bytes do not start with a valid PNG
    ///   signature and an 8-bit, non-interlaced `IHDR`.
    public init(bytes: [UInt8]) throws(ImageError) {
        guard bytes.count >= 8 + 25, Array(bytes[0..<8]) == PNGChunks.signature else {
            throw .invalidPNG("missing the PNG signature or the IHDR chunk")
        }
        let length = Int(PNGChunks.bigEndian(bytes[...], at: 8))
        let typeBytes = Array(bytes[12..<16])
        let data = bytes[16..<min(16 + length, bytes.count)]
        guard length == 13, PNGChunks.bigEndian(bytes[...], at: 29) == PNGChunks.crc(type: typeBytes, data: data) else {
            throw .invalidPNG("the IHDR chunk is malformed or fails its CRC")
        }
        let header = try PNGChunks.header(
            PNGChunks.Chunk(type: String(decoding: typeBytes, as: UTF8.self), data: data, offset: 8))
        self.init(trusted: bytes, width: header.width, height: header.height, format: header.format)
    }

    /// Wraps bytes this module has just encoded.
    init(trusted bytes: [UInt8], width: Int, height: Int, format: PixelImage.Format) {
        self.bytes = bytes
        self.width = width
        self.height = height
        self.format = format
    }
}
