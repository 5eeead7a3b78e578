import CZlibPNG

/// Encodes 8-bit images as PNG files (non-interlaced, zlib-compressed by the system's zlib).
///
/// Each row gets the filter whose output has the smallest sum of absolute signed bytes, the
/// heuristic the PNG specification recommends; grids of digits compress to a few kilobytes.
public enum PNGEncoder {
    /// The PNG file for `image`.
    ///
    /// - Parameter compressionLevel: zlib level, 0 (none) to 9 (smallest); 6 by default.
    /// - Throws: ``ImageError/compressionFailed(zlibCode:)`` when zlib fails (out of memory), and
    ///   ``ImageError/invalidParameter(operation:_:)`` for a level outside 0...9.
    public static func encode(_ image: PixelImage, compressionLevel: Int = 6) throws(ImageError) -> EncodedPNG {
        guard (0...9).contains(compressionLevel) else {
            throw .invalidParameter(operation: "PNGEncoder.encode", "compression level \(compressionLevel) is not in 0...9")
        }
        let filtered = filteredScanlines(image)
        let compressed = try compress(filtered, level: Int32(compressionLevel))

        var header: [UInt8] = []
        PNGChunks.appendBigEndian(UInt32(image.width), to: &header)
        PNGChunks.appendBigEndian(UInt32(image.height), to: &header)
        header.append(contentsOf: [8, image.format.pngColorType, 0, 0, 0])

        var out = PNGChunks.signature
        PNGChunks.append(type: "IHDR", data: header, to: &out)
        PNGChunks.append(type: "IDAT", data: compressed, to: &out)
        PNGChunks.append(type: "IEND", data: [], to: &out)
        return EncodedPNG(trusted: out, width: image.width, height: image.height, format: image.format)
    }

    /// Each row as a filter-type byte followed by the filtered bytes.
    private static func filteredScanlines(_ image: PixelImage) -> [UInt8] {
        let bpp = image.format.channels
        let stride = image.width * bpp
        var out: [UInt8] = []
        out.reserveCapacity(image.height * (stride + 1))
        let zeros = [UInt8](repeating: 0, count: stride)
        image.pixels.withUnsafeBufferPointer { pixels in
            zeros.withUnsafeBufferPointer { zeroRow in
                for y in 0..<image.height {
                    let row = UnsafeBufferPointer(rebasing: pixels[(y * stride)..<((y + 1) * stride)])
                    let previous = y == 0 ? zeroRow : UnsafeBufferPointer(rebasing: pixels[((y - 1) * stride)..<(y * stride)])
                    var best: (filter: UInt8, bytes: [UInt8], cost: Int)?
                    for filter in [PNGFilters.none, PNGFilters.sub, PNGFilters.up, PNGFilters.average, PNGFilters.paeth] {
                        let bytes = PNGFilters.filter(row, previous: previous, filter: filter, bpp: bpp)
                        let cost = bytes.reduce(0) { $0 + abs(Int(Int8(bitPattern: $1))) }
                        if best == nil || cost < best!.cost { best = (filter, bytes, cost) }
                    }
                    out.append(best!.filter)
                    out.append(contentsOf: best!.bytes)
                }
            }
        }
        return out
    }

    /// A zlib stream (RFC 1950) of `data`.
    private static func compress(_ data: [UInt8], level: Int32) throws(ImageError) -> [UInt8] {
        var capacity = CZlibPNG.compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let code = out.withUnsafeMutableBufferPointer { destination in
            data.withUnsafeBufferPointer { source in
                CZlibPNG.compress2(destination.baseAddress, &capacity, source.baseAddress, uLong(source.count), level)
            }
        }
        guard code == Z_OK else { throw .compressionFailed(zlibCode: code) }
        out.removeSubrange(Int(capacity)...)
        return out
    }
}
