import Testing
@testable import Training
import TrainingChecks

/// PNG files checked chunk by chunk with a CRC-32 and unfiltering written independently here;
/// only inflating uses zlib (through the decoder's helper).
@Suite struct PNGEncoderTests {
    struct Chunk {
        var type: String
        var data: [UInt8]
        var storedCRC: UInt32
    }

    /// CRC-32 (reflected 0xEDB88320), bit by bit.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func chunks(_ file: [UInt8]) -> [Chunk] {
        var chunks: [Chunk] = []
        var offset = 8
        while offset + 12 <= file.count {
            let length = Int(bigEndian(file[offset..<(offset + 4)]))
            let type = String(decoding: file[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let data = Array(file[(offset + 8)..<(offset + 8 + length)])
            let crc = bigEndian(file[(offset + 8 + length)..<(offset + 12 + length)])
            chunks.append(Chunk(type: type, data: data, storedCRC: crc))
            offset += 12 + length
        }
        return chunks
    }

    /// Undoes the five PNG filters (specification, section 9).
    static func unfilter(_ raw: [UInt8], width: Int, height: Int, channels: Int) -> (pixels: [UInt8], filters: Set<UInt8>) {
        let stride = width * channels
        var out = [UInt8](repeating: 0, count: stride * height)
        var filters = Set<UInt8>()
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            filters.insert(filter)
            for i in 0..<stride {
                let x = raw[y * (stride + 1) + 1 + i]
                let a = i >= channels ? Int(out[y * stride + i - channels]) : 0
                let b = y > 0 ? Int(out[(y - 1) * stride + i]) : 0
                let c = i >= channels && y > 0 ? Int(out[(y - 1) * stride + i - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                default:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                }
                out[y * stride + i] = UInt8((Int(x) + predictor) & 0xff)
            }
        }
        return (out, filters)
    }

    /// Pixels with smooth areas, edges and noise, so that rows pick different filters.
    static func testImage(width: Int, height: Int, format: PixelImage.Format) throws -> PixelImage {
        var state: UInt32 = 12345
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<format.channels {
                    state = state &* 1_103_515_245 &+ 12345
                    switch y % 4 {
                    case 0: pixels.append(UInt8(truncatingIfNeeded: x * 3 + c))
                    case 1: pixels.append(UInt8(truncatingIfNeeded: y * 5 + c * 40))
                    case 2: pixels.append(UInt8(truncatingIfNeeded: state >> 16))
                    default: pixels.append(UInt8(truncatingIfNeeded: (x + y) * 7 + c))
                    }
                }
            }
        }
        return try PixelImage(width: width, height: height, format: format, pixels: pixels)
    }

    @Test(arguments: [PixelImage.Format.gray, .rgb, .grayAlpha, .rgba])
    func chunkStructureCRCsAndPixels(format: PixelImage.Format) throws {
        let image = try Self.testImage(width: 13, height: 9, format: format)
        let png = try PNGEncoder.encode(image)
        #expect(Array(png.bytes.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        let chunks = Self.chunks(png.bytes)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(chunks.map { 12 + $0.data.count }.reduce(8, +) == png.bytes.count)
        for chunk in chunks {
            #expect(chunk.storedCRC == Self.crc32(Array(chunk.type.utf8) + chunk.data), "CRC of \(chunk.type)")
        }
        let colorTypes: [PixelImage.Format: UInt8] = [.gray: 0, .rgb: 2, .grayAlpha: 4, .rgba: 6]
        #expect(chunks[0].data == [0, 0, 0, 13, 0, 0, 0, 9, 8, colorTypes[format]!, 0, 0, 0])
        #expect(chunks[2].data.isEmpty)
        #expect(png.width == 13)
        #expect(png.height == 9)
        #expect(png.format == format)

        let raw = try PNGDecoder.inflate(chunks[1].data, expectedSize: 9 * (13 * format.channels + 1))
        let (pixels, filters) = Self.unfilter(raw, width: 13, height: 9, channels: format.channels)
        #expect(pixels == image.pixels)
        #expect(filters.count > 1, "rows should use more than one filter, used \(filters)")
    }

    @Test func compressionLevelsChangeSizeNotPixels() throws {
        let image = try Self.testImage(width: 64, height: 64, format: .gray)
        let stored = try PNGEncoder.encode(image, compressionLevel: 0)
        let best = try PNGEncoder.encode(image, compressionLevel: 9)
        #expect(best.bytes.count < stored.bytes.count)
        #expect(try PNGDecoder.decode(stored.bytes) == image)
        #expect(try PNGDecoder.decode(best.bytes) == image)
        #expect(throws: ImageError.self) { try PNGEncoder.encode(image, compressionLevel: 10) }
    }

    @Test func encodedPNGReadsItsHeader() throws {
        let png = try PNGEncoder.encode(try Self.testImage(width: 3, height: 5, format: .rgb))
        let reread = try EncodedPNG(bytes: png.bytes)
        #expect(reread == png)
        var corrupt = png.bytes
        corrupt[20] ^= 1
        #expect(throws: ImageError.self) { try EncodedPNG(bytes: corrupt) }
        #expect(throws: ImageError.self) { try EncodedPNG(bytes: Array(png.bytes.prefix(20))) }
    }

    @Test func pixelImagesCheckTheirSize() {
        #expect(throws: ImageError.pixelCountMismatch(width: 2, height: 2, channels: 3, found: 11)) {
            try PixelImage(width: 2, height: 2, format: .rgb, pixels: [UInt8](repeating: 0, count: 11))
        }
        #expect(throws: ImageError.invalidDimensions(width: 0, height: 2)) {
            try PixelImage(width: 0, height: 2, format: .gray, pixels: [])
        }
    }
}

@Suite struct PNGDecoderTests {
    private func valid() throws -> [UInt8] {
        try PNGEncoder.encode(try PNGEncoderTests.testImage(width: 7, height: 5, format: .rgb)).bytes
    }

    private func reason(_ bytes: [UInt8]) -> String? {
        do {
            _ = try PNGDecoder.decode(bytes)
            return nil
        } catch {
            guard case .invalidPNG(let reason) = error else { return "\(error)" }
            return reason
        }
    }

    /// Replaces chunk `index`'s data and recomputes its CRC, so only the content is wrong.
    private func rewritingChunk(_ bytes: [UInt8], _ index: Int, _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var chunks = PNGEncoderTests.chunks(bytes)
        change(&chunks[index].data)
        var out = Array(bytes.prefix(8))
        for chunk in chunks {
            PNGChunks.append(type: chunk.type, data: chunk.data, to: &out)
        }
        return out
    }

    @Test func roundTripsEveryFormat() throws {
        for format in [PixelImage.Format.gray, .grayAlpha, .rgb, .rgba] {
            for (width, height) in [(1, 1), (1, 9), (17, 3), (40, 31)] {
                let image = try PNGEncoderTests.testImage(width: width, height: height, format: format)
                #expect(try PNGDecoder.decode(PNGEncoder.encode(image).bytes) == image, "\(format) \(width)×\(height)")
            }
        }
    }

    @Test func reportsDamageByChunk() throws {
        let bytes = try valid()
        #expect(reason(Array(bytes.dropFirst())) == "missing the 8-byte PNG signature")
        var flipped = bytes
        flipped[45] ^= 0x10  // inside IDAT (which starts at byte 41)
        #expect(reason(flipped)?.hasPrefix("chunk 1 'IDAT' has CRC") == true)
        #expect(reason(Array(bytes.dropLast(12)))?.contains("no IEND") == true)
        #expect(reason(Array(bytes.dropLast(4)))?.contains("cut short") == true)
        #expect(reason(bytes + [0]) == "1 bytes after the IEND chunk")
    }

    @Test func rejectsWhatItDoesNotRead() throws {
        let bytes = try valid()
        #expect(reason(rewritingChunk(bytes, 0) { $0[8] = 16 }) == "bit depth 16 is not supported (only 8)")
        #expect(reason(rewritingChunk(bytes, 0) { $0[9] = 3 }) == "color type 3 is not supported (only 0, 2, 4, 6)")
        #expect(reason(rewritingChunk(bytes, 0) { $0[12] = 1 }) == "interlaced (Adam7) images are not supported")
        #expect(
            reason(rewritingChunk(bytes, 0) { $0[0...3] = [0x7f, 0xff, 0xff, 0xff] })?.contains("exceeds the decoder's limit")
                == true)
        let noData = rewritingChunk(bytes, 1) { $0 = [] }
        #expect(reason(noData)?.hasPrefix("IDAT data is corrupt or truncated") == true)
    }

    @Test func idatMustHoldExactlyTheImage() throws {
        let image = try PNGEncoderTests.testImage(width: 4, height: 4, format: .gray)
        let bytes = try PNGEncoder.encode(image).bytes
        // Declaring a smaller image leaves data over; a larger one runs out of data.
        #expect(reason(rewritingChunk(bytes, 0) { $0[7] = 3 })?.contains("more than the") == true)
        #expect(reason(rewritingChunk(bytes, 0) { $0[7] = 5 }) != nil)
        let badFilter = try PNGEncoder.encode(image, compressionLevel: 0).bytes
        // With level 0 the filtered rows sit uncompressed after the 2-byte zlib header and 5-byte block header.
        let rewritten = rewritingChunk(badFilter, 1) { data in
            data[7] = 9
            let adler = PNGDecoderTests.adler32(Array(data[7..<(data.count - 4)]))
            data.replaceSubrange(
                (data.count - 4)...,
                with: [UInt8(adler >> 24), UInt8((adler >> 16) & 0xff), UInt8((adler >> 8) & 0xff), UInt8(adler & 0xff)])
        }
        #expect(reason(rewritten) == "row 0 has unknown filter type 9")
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}
