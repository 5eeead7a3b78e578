extension IDXArray {
    /// Largest first allocation for the elements; beyond it the buffer grows only as data arrives,
    /// so a forged header cannot make the reader reserve more than about twice the real content.
    static let initialAllocationLimit = 64 << 20

    /// Reads an IDX file, raw or gzip-compressed, checking every size against the data.
    ///
    /// The header is validated first; the elements are then read (inflated) in chunks straight
    /// into the result. Memory use is bounded by the data actually present, never by the sizes a
    /// header claims.
    ///
    /// - Throws: ``IDXError`` naming `path`: cannot open or read, bad magic number, unknown element
    ///   type, size overflow, truncated (fewer bytes than declared), trailing data (more bytes
    ///   than declared), corrupt or cut-off gzip data.
    public static func read(path: String) throws(IDXError) -> IDXArray {
        try read(path: path, expecting: nil)
    }

    /// Reads an IDX file as ``read(path:)`` does, checking the element type and rank of its header
    /// (after the magic number, before the sizes): a file of another kind is reported as such,
    /// not as truncated or with a size error.
    /// - Throws: ``IDXError/wrongElementType(file:expected:found:)``, ``IDXError/wrongRank(file:expected:found:)``,
    ///   or the errors of ``read(path:)``.
    public static func read(path: String, elementType: IDXElementType, rank: Int) throws(IDXError) -> IDXArray {
        try read(path: path, expecting: (elementType, rank))
    }

    private static func read(path: String, expecting: (IDXElementType, Int)?) throws(IDXError) -> IDXArray {
        let file = try FileByteSource(path: path)
        if file.prefix(2) == GzipByteSource.magic {
            let gzip = try GzipByteSource(
                input: file, lengthHint: gzipLengthHint(trailer: file.gzipSizeTrailer(), compressedSize: file.exactLength ?? 0))
            return try read(from: gzip, expecting: expecting)
        }
        return try read(from: file, expecting: expecting)
    }

    /// Reads IDX content (raw or gzip-compressed) from bytes in memory; `name` is used in errors.
    /// - Throws: the errors of ``read(path:)`` except those of opening and reading a file.
    public static func decode(_ bytes: [UInt8], name: String) throws(IDXError) -> IDXArray {
        let memory = MemoryByteSource(bytes: bytes, name: name)
        if memory.prefix(2) == GzipByteSource.magic {
            let hint = gzipLengthHint(trailer: memory.gzipSizeTrailer(), compressedSize: bytes.count)
            return try read(from: GzipByteSource(input: memory, lengthHint: hint))
        }
        return try read(from: memory)
    }

    /// Deflate expands data at most 1032-fold, which bounds what a compressed file can hold however
    /// its gzip trailer (the last member's size modulo 2³²) is forged.
    static func gzipLengthHint(trailer: Int?, compressedSize: Int) -> Int {
        let bound = compressedSize.multipliedReportingOverflow(by: 1032)
        let limit = bound.overflow ? Int.max : bound.partialValue
        return min(trailer ?? limit, limit)
    }

    /// Reads header and elements from `source`, then checks that nothing follows.
    static func read(from source: some ByteSource, expecting: (IDXElementType, Int)? = nil) throws(IDXError) -> IDXArray {
        let file = source.name
        let cutOff = { (source as? GzipByteSource)?.endedPrematurely ?? false }

        let magic = try source.readArray(count: 4)
        if magic.count >= 2 && (magic[0] != 0 || magic[1] != 0) {
            throw .badMagic(file: file, found: magic)
        }
        guard magic.count == 4 else { throw .truncated(file: file, expectedBytes: 4, foundBytes: magic.count) }
        guard let elementType = IDXElementType(rawValue: magic[2]) else {
            throw .unknownElementType(file: file, code: magic[2])
        }
        let rank = Int(magic[3])
        if let (expectedType, expectedRank) = expecting {
            guard elementType == expectedType else {
                throw .wrongElementType(file: file, expected: expectedType, found: elementType)
            }
            guard rank == expectedRank else { throw .wrongRank(file: file, expected: expectedRank, found: rank) }
        }
        guard rank >= 1 else { throw .wrongRank(file: file, expected: 1, found: 0) }
        let headerSize = headerSize(rank: rank)

        let sizeBytes = try source.readArray(count: 4 * rank)
        guard sizeBytes.count == 4 * rank else {
            throw .truncated(file: file, expectedBytes: headerSize, foundBytes: 4 + sizeBytes.count)
        }
        var dimensions: [Int] = []
        for i in 0..<rank {
            let word = sizeBytes[4 * i..<4 * i + 4].reduce(0) { ($0 << 8) | Int($1) }
            dimensions.append(word)
        }
        let payload = try payloadSize(elementType: elementType, dimensions: dimensions, file: file)
        let (total, overflow) = headerSize.addingReportingOverflow(payload)
        guard !overflow else { throw .sizeOverflow(file: file, dimensions: dimensions) }

        // A raw file's size is known: check it before allocating anything.
        if let exact = source.exactLength {
            if exact < total { throw .truncated(file: file, expectedBytes: total, foundBytes: exact) }
            if exact > total { throw .trailingData(file: file, expectedBytes: total, foundBytes: exact) }
        }

        let hint = source.lengthHint.map { max(0, $0 - headerSize) } ?? payload
        var capacity = min(payload, hint, initialAllocationLimit)
        if capacity == 0 { capacity = min(payload, 1 << 16) }
        var elements = try source.readArray(count: capacity)
        // A full buffer while the header declares more: grow, but only as far as data arrives.
        while elements.count == capacity && capacity < payload {
            let grown = min(payload, capacity * 2)
            elements = try source.readArray(count: grown - capacity, after: elements)
            capacity = grown
        }
        let filled = elements.count
        if filled < payload {
            throw .truncated(file: file, expectedBytes: total, foundBytes: headerSize + filled)
        }
        let extra = try source.drain()
        if extra > 0 {
            throw .trailingData(file: file, expectedBytes: total, foundBytes: total + extra)
        }
        if cutOff() {
            throw .corruptCompressedData(file: file, reason: "the compressed stream is cut off before its end marker and trailer")
        }
        return IDXArray(validated: elementType, dimensions: dimensions, bytes: elements)
    }

    /// Bytes of the elements for `dimensions`, checking for overflow.
    static func payloadSize(elementType: IDXElementType, dimensions: [Int], file: String) throws(IDXError) -> Int {
        var size = elementType.byteWidth
        for dimension in dimensions {
            let (product, overflow) = size.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .sizeOverflow(file: file, dimensions: dimensions) }
            size = product
        }
        return size
    }
}
