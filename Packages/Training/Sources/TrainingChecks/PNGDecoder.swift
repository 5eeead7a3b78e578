import CZlibPNG
import Training

/// Decodes 8-bit, non-interlaced PNG files (gray, gray + alpha, RGB, RGBA) — what `PNGEncoder`
/// writes and what most tools write for such images. Used by tests and by ``RecordingWriter``.
public enum PNGDecoder {
    /// The largest decoded size accepted (256 MiB), so a forged header cannot demand huge buffers.
    public static let maximumDecodedBytes = 1 << 28

    /// The pixels of the PNG file `bytes`.
    ///
    /// - Throws: `ImageError.invalidPNG(_:)` naming the chunk or the problem: a missing signature,
    ///   a chunk cut short or failing its CRC, an unsupported bit depth, color type or interlace,
    ///   missing or non-consecutive `IDAT` chunks, compressed data that does not inflate to exactly
    ///   one filtered row per line, or an unknown filter type.
    public static func decode(_ bytes: [UInt8]) throws(ImageError) -> PixelImage {
        let chunks = try PNGChunks.read(bytes)
        let (width, height, format) = try PNGChunks.header(chunks[0])
        let dataChunks = chunks.indices.filter { chunks[$0].type == "IDAT" }
        guard let first = dataChunks.first else { throw .invalidPNG("no IDAT chunk") }
        guard dataChunks.last! - first + 1 == dataChunks.count else {
            throw .invalidPNG("IDAT chunks are not consecutive (chunks \(dataChunks))")
        }
        let compressed = dataChunks.flatMap { chunks[$0].data }

        let bpp = format.channels
        let (stride, o1) = width.multipliedReportingOverflow(by: bpp)
        let (rawSize, o2) = (stride + 1).multipliedReportingOverflow(by: height)
        guard !o1, !o2, rawSize <= maximumDecodedBytes else {
            throw .invalidPNG("a \(width)×\(height) image exceeds the decoder's limit of \(maximumDecodedBytes) bytes")
        }
        let raw = try inflate(compressed, expectedSize: rawSize)

        var pixels = [UInt8](repeating: 0, count: stride * height)
        let zeros = [UInt8](repeating: 0, count: stride)
        try pixels.withUnsafeMutableBufferPointer { (out) throws(ImageError) in
            for y in 0..<height {
                let filter = raw[y * (stride + 1)]
                guard filter <= PNGFilters.paeth else { throw .invalidPNG("row \(y) has unknown filter type \(filter)") }
                let rowStart = y * stride
                for i in 0..<stride { out[rowStart + i] = raw[y * (stride + 1) + 1 + i] }
                let row = UnsafeMutableBufferPointer(rebasing: out[rowStart..<(rowStart + stride)])
                if y == 0 {
                    zeros.withUnsafeBufferPointer { PNGFilters.unfilter(row, previous: $0, filter: filter, bpp: bpp) }
                } else {
                    let previous = UnsafeBufferPointer(rebasing: out[(rowStart - stride)..<rowStart])
                    PNGFilters.unfilter(row, previous: previous, filter: filter, bpp: bpp)
                }
            }
        }
        return try PixelImage(width: width, height: height, format: format, pixels: pixels)
    }

    /// Inflates a zlib stream that must hold exactly `expectedSize` bytes.
    package static func inflate(_ compressed: [UInt8], expectedSize: Int) throws(ImageError) -> [UInt8] {
        // One spare byte tells "exactly right" from "more data than the image needs".
        var out = [UInt8](repeating: 0, count: expectedSize + 1)
        var produced = uLong(out.count)
        let code = out.withUnsafeMutableBufferPointer { destination in
            compressed.withUnsafeBufferPointer { source in
                CZlibPNG.uncompress(destination.baseAddress, &produced, source.baseAddress, uLong(source.count))
            }
        }
        switch code {
        case Z_OK where Int(produced) == expectedSize:
            out.removeLast()
            return out
        case Z_OK:
            throw .invalidPNG("IDAT inflates to \(produced) bytes, expected \(expectedSize)")
        case Z_BUF_ERROR where Int(produced) == out.count:
            throw .invalidPNG("IDAT inflates to more than the \(expectedSize) bytes the image needs")
        case Z_BUF_ERROR:
            throw .invalidPNG("IDAT data is truncated (zlib stream ends early)")
        default:
            throw .invalidPNG("IDAT data is corrupt or truncated (zlib error \(code))")
        }
    }
}
