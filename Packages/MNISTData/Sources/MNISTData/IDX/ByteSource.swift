/// A forward-only stream of bytes: a file, a buffer in memory, or the decompressed content of either.
protocol ByteSource: AnyObject {
    /// Name used in error messages (the file path, or the URL the bytes came from).
    var name: String { get }

    /// Reads up to `buffer.count` bytes; returns 0 only at the end of the stream.
    /// - Throws: ``IDXError`` when the underlying file cannot be read or the data is corrupt.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IDXError) -> Int

    /// The exact number of bytes the stream will produce in total, when known without reading it
    /// (a raw file's size). `nil` for compressed data, whose size is only known once inflated.
    var exactLength: Int? { get }

    /// A hint of the total length that is cheap to obtain but not trusted (the gzip trailer's
    /// size field); used only to size the first allocation.
    var lengthHint: Int? { get }
}

extension ByteSource {
    /// Reads until `buffer` is full or the stream ends; returns the number of bytes read.
    func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(IDXError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// Reads up to `count` bytes into a new array (fewer only at the end of the stream), after
    /// copying `prefix` to its start; the array's capacity is `prefix.count + count`.
    func readArray(count: Int, after prefix: [UInt8] = []) throws(IDXError) -> [UInt8] {
        var failure: IDXError?
        let bytes = [UInt8](unsafeUninitializedCapacity: prefix.count + count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            prefix.withUnsafeBytes { if !$0.isEmpty { raw.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            initialized = prefix.count
            do throws(IDXError) {
                initialized += try readFully(into: UnsafeMutableRawBufferPointer(rebasing: raw[prefix.count...]))
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads and discards the rest of the stream; returns how many bytes there were.
    func drain() throws(IDXError) -> Int {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        var total = 0
        while true {
            let n = try read(into: scratch)
            if n == 0 { return total }
            total += n
        }
    }
}

/// The bytes of a file on disk, read in the order they are stored.
final class FileByteSource: ByteSource {
    private let file: ReadableFile
    var name: String { file.path }
    var exactLength: Int? { file.size }
    var lengthHint: Int? { file.size }

    /// - Throws: ``IDXError/cannotOpen(file:reason:)``.
    init(path: String) throws(IDXError) {
        file = try ReadableFile(path: path)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IDXError) -> Int {
        try file.read(into: buffer)
    }

    /// The first `count` bytes of the file (fewer when it is shorter), without consuming them.
    func prefix(_ count: Int) -> [UInt8] { file.read(count: count, at: 0) }

    /// The 4-byte little-endian size field at the end of a gzip file (size of the last member's
    /// content modulo 2³²), or nil when the file is too short to hold one.
    func gzipSizeTrailer() -> Int? {
        guard file.size >= 18 else { return nil }
        let bytes = file.read(count: 4, at: file.size - 4)
        guard bytes.count == 4 else { return nil }
        return Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
    }
}

/// Bytes already in memory (a downloaded file).
final class MemoryByteSource: ByteSource {
    let name: String
    private let bytes: [UInt8]
    private var position = 0
    var exactLength: Int? { bytes.count }
    var lengthHint: Int? { bytes.count }

    init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IDXError) -> Int {
        let n = min(buffer.count, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }

    /// The first `count` bytes (fewer when shorter), without consuming them.
    func prefix(_ count: Int) -> [UInt8] { Array(bytes.prefix(count)) }

    /// The gzip trailer's size field (see ``FileByteSource/gzipSizeTrailer()``).
    func gzipSizeTrailer() -> Int? {
        guard bytes.count >= 18 else { return nil }
        let t = bytes.count - 4
        return Int(bytes[t]) | Int(bytes[t + 1]) << 8 | Int(bytes[t + 2]) << 16 | Int(bytes[t + 3]) << 24
    }
}
