/// A problem with the content or the reading of an IDX file (raw or gzip-compressed).
///
/// Every case names the file; ``expected`` and ``found`` give the two values that disagree in
/// words, and ``description`` puts it all in one sentence.
public enum IDXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened (missing, not a regular file, no permission).
    case cannotOpen(file: String, reason: String)
    /// Reading failed part-way (an I/O error).
    case readFailed(file: String, reason: String)
    /// The first two bytes of the magic number are not zero (`found` holds the first bytes read).
    case badMagic(file: String, found: [UInt8])
    /// The element type code is not one the IDX format defines.
    case unknownElementType(file: String, code: UInt8)
    /// The element type is valid but not the one the caller needs (e.g. images must be uint8).
    case wrongElementType(file: String, expected: IDXElementType, found: IDXElementType)
    /// The number of dimensions is not the one the caller needs.
    case wrongRank(file: String, expected: Int, found: Int)
    /// The dimensions are not the ones the caller needs; `expected` describes them, `*` meaning any.
    case wrongDimensions(file: String, expected: String, found: [Int])
    /// The dimensions multiply to more bytes than memory can address.
    case sizeOverflow(file: String, dimensions: [Int])
    /// The (decompressed) file holds fewer bytes than its header declares.
    case truncated(file: String, expectedBytes: Int, foundBytes: Int)
    /// The (decompressed) file holds more bytes than its header declares.
    case trailingData(file: String, expectedBytes: Int, foundBytes: Int)
    /// The gzip data is corrupt or cut off; `reason` is zlib's message.
    case corruptCompressedData(file: String, reason: String)
    /// An image file and its label file hold different numbers of items.
    case countMismatch(imagesFile: String, images: Int, labelsFile: String, labels: Int)
    /// A label is not a class index `0..<classCount`.
    case labelOutOfRange(file: String, index: Int, label: Int, classCount: Int)

    /// The file the error is about (the label file for ``countMismatch(imagesFile:images:labelsFile:labels:)``).
    public var file: String {
        switch self {
        case .cannotOpen(let file, _), .readFailed(let file, _), .badMagic(let file, _),
            .unknownElementType(let file, _), .wrongElementType(let file, _, _), .wrongRank(let file, _, _),
            .wrongDimensions(let file, _, _), .sizeOverflow(let file, _), .truncated(let file, _, _),
            .trailingData(let file, _, _), .corruptCompressedData(let file, _),
            .labelOutOfRange(let file, _, _, _):
            return file
        case .countMismatch(_, _, let labelsFile, _):
            return labelsFile
        }
    }

    /// What a valid file holds at the place where this one differs.
    public var expected: String {
        switch self {
        case .cannotOpen: return "a readable regular file"
        case .readFailed: return "a readable file"
        case .badMagic: return "magic number 00 00 <type> <rank>"
        case .unknownElementType: return "element type code 08, 09, 0b, 0c, 0d or 0e"
        case .wrongElementType(_, let expected, _): return "element type \(expected)"
        case .wrongRank(_, let expected, _): return "\(expected) dimension\(expected == 1 ? "" : "s")"
        case .wrongDimensions(_, let expected, _): return "dimensions \(expected)"
        case .sizeOverflow: return "a size that fits in memory"
        case .truncated(_, let expected, _), .trailingData(_, let expected, _): return "\(expected) bytes"
        case .corruptCompressedData: return "valid gzip data"
        case .countMismatch(_, let images, _, _): return "\(images) labels (one per image)"
        case .labelOutOfRange(_, _, _, let classCount): return "a label in 0..<\(classCount)"
        }
    }

    /// What this file holds instead.
    public var found: String {
        switch self {
        case .cannotOpen(_, let reason), .readFailed(_, let reason), .corruptCompressedData(_, let reason):
            return reason
        case .badMagic(_, let bytes): return bytes.map(hexByte).joined(separator: " ")
        case .unknownElementType(_, let code): return "element type code \(hexByte(code))"
        case .wrongElementType(_, _, let found): return "element type \(found)"
        case .wrongRank(_, _, let found): return "\(found) dimension\(found == 1 ? "" : "s")"
        case .wrongDimensions(_, _, let found): return "dimensions \(formatDimensions(found))"
        case .sizeOverflow(_, let dimensions): return "dimensions \(formatDimensions(dimensions))"
        case .truncated(_, _, let found): return "\(found) bytes"
        case .trailingData(_, _, let found): return "\(found) bytes"
        case .countMismatch(_, _, _, let labels): return "\(labels) labels"
        case .labelOutOfRange(_, let index, let label, _): return "label \(label) at index \(index)"
        }
    }

    /// One sentence: the file, what is wrong, and the expected and found values.
    public var description: String {
        "\(file): \(problem): expected \(expected), found \(found)"
    }

    /// What kind of problem this is, in a few words.
    private var problem: String {
        switch self {
        case .cannotOpen: return "cannot open"
        case .readFailed: return "read failed"
        case .badMagic: return "not an IDX file (bad magic number)"
        case .unknownElementType: return "unknown IDX element type"
        case .wrongElementType: return "wrong element type"
        case .wrongRank: return "wrong number of dimensions"
        case .wrongDimensions: return "wrong dimensions"
        case .sizeOverflow: return "the header declares a size too large to address"
        case .truncated: return "truncated (fewer bytes than the header declares)"
        case .trailingData: return "unexpected data after the end (more bytes than the header declares)"
        case .corruptCompressedData: return "corrupt gzip data"
        case .countMismatch(let imagesFile, let images, _, _):
            return "not one label per image of \(imagesFile) (\(images) images)"
        case .labelOutOfRange: return "label out of range"
        }
    }
}

/// `60000×28×28`.
func formatDimensions(_ dimensions: [Int]) -> String {
    dimensions.map(String.init).joined(separator: "×")
}
