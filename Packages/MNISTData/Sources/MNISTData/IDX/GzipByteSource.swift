import CZlib

/// The decompressed content of a gzip stream, inflated with zlib in chunks as it is read.
///
/// Concatenated gzip members (as `gzip -d` accepts) are decoded one after another. Corrupt data
/// (bad header, invalid deflate codes, CRC or length mismatch in a trailer) throws
/// ``IDXError/corruptCompressedData(file:reason:)``; a stream that is cut off simply ends early,
/// and ``endedPrematurely`` tells so, so that the reader can report how many bytes it expected.
final class GzipByteSource: ByteSource {
    /// The magic bytes every gzip member starts with.
    static let magic: [UInt8] = [0x1F, 0x8B]

    private let input: any ByteSource
    private let stream: UnsafeMutablePointer<z_stream>
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private var inputExhausted = false
    private var betweenMembers = false
    private var finished = false
    /// True when the compressed input ended before the last member's end marker and trailer.
    private(set) var endedPrematurely = false
    let lengthHint: Int?
    var name: String { input.name }
    var exactLength: Int? { nil }

    /// Wraps `input`, which must start with a gzip header.
    /// - Parameter lengthHint: the trailer's size field, used only to size the first allocation.
    /// - Throws: ``IDXError/corruptCompressedData(file:reason:)`` when zlib cannot be initialised.
    init(input: any ByteSource, lengthHint: Int?) throws(IDXError) {
        self.input = input
        self.lengthHint = lengthHint
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        inputBuffer = .allocate(byteCount: 1 << 16, alignment: 16)
        // 15 window bits + 16: accept only the gzip wrapper, check its CRC-32 and length trailer.
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            inputBuffer.deallocate()
            throw .corruptCompressedData(file: input.name, reason: "zlib could not start inflating (status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        inputBuffer.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IDXError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0, !finished else { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(capacity)
        while stream.pointee.avail_out > 0 {
            if stream.pointee.avail_in == 0 && !inputExhausted { try refill() }
            if betweenMembers {
                // Another member follows only if input remains; otherwise the stream is complete.
                if stream.pointee.avail_in == 0 { finished = true; break }
                inflateReset(stream)
                betweenMembers = false
            }
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                betweenMembers = true
            case Z_BUF_ERROR:
                // No progress: more input is needed. Without any left, the stream was cut off.
                if stream.pointee.avail_in == 0 && inputExhausted {
                    endedPrematurely = true
                    finished = true
                    return capacity - Int(stream.pointee.avail_out)
                }
            default:
                finished = true
                throw .corruptCompressedData(file: input.name, reason: zlibMessage(status))
            }
        }
        return capacity - Int(stream.pointee.avail_out)
    }

    private func refill() throws(IDXError) {
        let n = try input.read(into: inputBuffer)
        if n == 0 {
            inputExhausted = true
        } else {
            stream.pointee.next_in = inputBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = UInt32(n)
        }
    }

    private func zlibMessage(_ status: Int32) -> String {
        if let message = stream.pointee.msg { return String(cString: message) }
        switch status {
        case Z_DATA_ERROR: return "invalid compressed data"
        case Z_NEED_DICT: return "stream needs a preset dictionary"
        case Z_MEM_ERROR: return "zlib ran out of memory"
        default: return "zlib status \(status)"
        }
    }
}
