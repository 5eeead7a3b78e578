import CZlibPNG

/// PNG container pieces shared by the encoder and the decoder: the signature, big-endian
/// integers, and chunks framed as length, type, data and CRC-32 (zlib's) of type + data.
package enum PNGChunks {
    /// The 8 bytes every PNG file starts with.
    static let signature: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

    /// One chunk as read from a file.
    package struct Chunk {
        package var type: String
        package var data: ArraySlice<UInt8>
        /// Byte offset of the chunk's length field in the file.
        package var offset: Int
    }

    /// CRC-32 (ISO 3309, as PNG specifies) of `type` followed by `data`.
    static func crc(type: [UInt8], data: ArraySlice<UInt8>) -> UInt32 {
        var crc = type.withUnsafeBufferPointer { CZlibPNG.crc32(0, $0.baseAddress, uInt($0.count)) }
        data.withUnsafeBufferPointer { buffer in
            var start = 0
            repeat {
                let length = min(buffer.count - start, Int(UInt32.max))
                crc = CZlibPNG.crc32(crc, buffer.baseAddress.map { $0 + start }, uInt(length))
                start += length
            } while start < buffer.count
        }
        return UInt32(crc)
    }

    /// Appends a chunk of `type` (four ASCII letters) holding `data`.
    static func append(type: String, data: [UInt8], to out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        appendBigEndian(UInt32(data.count), to: &out)
        out.append(contentsOf: typeBytes)
        out.append(contentsOf: data)
        appendBigEndian(crc(type: typeBytes, data: data[...]), to: &out)
    }

    static func appendBigEndian(_ value: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)])
    }

    static func bigEndian(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt32 {
        let i = bytes.startIndex + offset
        return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    /// Splits a file into chunks after checking the signature, every length and every CRC.
    /// Stops after `IEND`, which must be the last bytes of the file.
    package static func read(_ bytes: [UInt8]) throws(ImageError) -> [Chunk] {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw .invalidPNG("missing the 8-byte PNG signature")
        }
        var chunks: [Chunk] = []
        var offset = 8
        while true {
            let index = chunks.count
            guard bytes.count - offset >= 12 else {
                throw .invalidPNG("chunk \(index) at byte \(offset) is cut short (file ends after \(bytes.count) bytes, no IEND)")
            }
            let length = Int(bigEndian(bytes[...], at: offset))
            let typeBytes = Array(bytes[(offset + 4)..<(offset + 8)])
            guard typeBytes.allSatisfy({ (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) }) else {
                throw .invalidPNG("chunk \(index) at byte \(offset) has an invalid type \(typeBytes)")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= bytes.count - offset - 12 else {
                throw .invalidPNG(
                    "chunk \(index) '\(type)' declares \(length) bytes but only \(bytes.count - offset - 12) remain")
            }
            let data = bytes[(offset + 8)..<(offset + 8 + length)]
            let stored = bigEndian(bytes[...], at: offset + 8 + length)
            let computed = crc(type: typeBytes, data: data)
            guard stored == computed else {
                throw .invalidPNG(
                    "chunk \(index) '\(type)' has CRC 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))")
            }
            chunks.append(Chunk(type: type, data: data, offset: offset))
            offset += 12 + length
            if type == "IEND" {
                guard offset == bytes.count else {
                    throw .invalidPNG("\(bytes.count - offset) bytes after the IEND chunk")
                }
                return chunks
            }
        }
    }

    /// Width, height and format from an `IHDR` chunk; only 8-bit, non-interlaced images are accepted.
    package static func header(_ chunk: Chunk) throws(ImageError) -> (width: Int, height: Int, format: PixelImage.Format) {
        guard chunk.type == "IHDR", chunk.data.count == 13 else {
            throw .invalidPNG("the first chunk must be a 13-byte IHDR, found '\(chunk.type)' of \(chunk.data.count) bytes")
        }
        let data = chunk.data
        let width = Int(bigEndian(data, at: 0))
        let height = Int(bigEndian(data, at: 4))
        let base = data.startIndex
        let (bitDepth, colorType) = (data[base + 8], data[base + 9])
        let (compression, filter, interlace) = (data[base + 10], data[base + 11], data[base + 12])
        guard (1...Int(Int32.max)).contains(width), (1...Int(Int32.max)).contains(height) else {
            throw .invalidPNG("IHDR size \(width)×\(height) is out of range")
        }
        guard bitDepth == 8 else { throw .invalidPNG("bit depth \(bitDepth) is not supported (only 8)") }
        guard let format = PixelImage.Format(pngColorType: colorType) else {
            throw .invalidPNG("color type \(colorType) is not supported (only 0, 2, 4, 6)")
        }
        guard compression == 0, filter == 0 else {
            throw .invalidPNG("compression method \(compression) / filter method \(filter) is not 0")
        }
        guard interlace == 0 else { throw .invalidPNG("interlaced (Adam7) images are not supported") }
        return (width, height, format)
    }
}
