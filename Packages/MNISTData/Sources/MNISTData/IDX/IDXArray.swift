/// The content of one IDX file: an element type, dimensions, and the elements as stored.
///
/// The IDX format (used by MNIST and its relatives): two zero bytes, an element type code, the
/// number of dimensions `n`, then `n` big-endian 32-bit sizes, then the elements in row-major order,
/// each big-endian. Files may be gzip-compressed; ``read(path:)`` recognises gzip by its magic bytes
/// (whatever the file is called) and inflates it in a stream.
public struct IDXArray: Sendable, Equatable {
    /// Type of each element.
    public let elementType: IDXElementType
    /// Size of each dimension, outermost first, e.g. `[60000, 28, 28]`.
    public let dimensions: [Int]
    /// The elements exactly as stored (big-endian for multi-byte types), `count × byteWidth` bytes.
    public let bytes: [UInt8]

    /// Number of elements (product of ``dimensions``).
    public var count: Int { dimensions.reduce(1, *) }

    /// Size of the header in bytes for `rank` dimensions.
    static func headerSize(rank: Int) -> Int { 4 + 4 * rank }

    /// An array from its parts.
    ///
    /// - Throws: ``IDXError/truncated(file:expectedBytes:foundBytes:)`` or
    ///   ``IDXError/trailingData(file:expectedBytes:foundBytes:)`` (file `"<memory>"`) when
    ///   `bytes.count` is not the product of `dimensions` times the element width, and
    ///   ``IDXError/wrongDimensions(file:expected:found:)`` for a negative size, more than 255
    ///   dimensions or a size above 2³²−1.
    public init(elementType: IDXElementType, dimensions: [Int], bytes: [UInt8]) throws(IDXError) {
        let name = "<memory>"
        guard (1...255).contains(dimensions.count),
            dimensions.allSatisfy({ (0...Int(UInt32.max)).contains($0) })
        else {
            throw .wrongDimensions(file: name, expected: "1 to 255 sizes in 0...4294967295", found: dimensions)
        }
        let expected = try Self.payloadSize(elementType: elementType, dimensions: dimensions, file: name)
        let header = Self.headerSize(rank: dimensions.count)
        if bytes.count < expected {
            throw .truncated(file: name, expectedBytes: header + expected, foundBytes: header + bytes.count)
        }
        if bytes.count > expected {
            throw .trailingData(file: name, expectedBytes: header + expected, foundBytes: header + bytes.count)
        }
        self.elementType = elementType
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Without checks: for the reader, which has validated the sizes against the data.
    init(validated elementType: IDXElementType, dimensions: [Int], bytes: [UInt8]) {
        self.elementType = elementType
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// The header: magic number (two zero bytes, type code, rank) and the big-endian sizes.
    public func header() -> [UInt8] {
        var out: [UInt8] = [0, 0, elementType.rawValue, UInt8(dimensions.count)]
        for size in dimensions {
            let value = UInt32(size)
            out += [
                UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
            ]
        }
        return out
    }

    /// The file's content: header followed by the elements (uncompressed).
    public func serialized() -> [UInt8] { header() + bytes }

    /// SHA-256 of ``serialized()`` (the decompressed file), as 64 lower-case hex digits, computed
    /// without building the serialized copy.
    public func sha256Hex() -> String {
        var hash = SHA256()
        hash.update(header())
        hash.update(bytes)
        return hash.finalizeHex()
    }

    /// Throws unless the array has `elementType` and `rank` dimensions; `file` names it in the error.
    /// - Throws: ``IDXError/wrongElementType(file:expected:found:)``, ``IDXError/wrongRank(file:expected:found:)``.
    public func validate(elementType: IDXElementType, rank: Int, file: String) throws(IDXError) {
        guard self.elementType == elementType else {
            throw .wrongElementType(file: file, expected: elementType, found: self.elementType)
        }
        guard dimensions.count == rank else { throw .wrongRank(file: file, expected: rank, found: dimensions.count) }
    }
}
