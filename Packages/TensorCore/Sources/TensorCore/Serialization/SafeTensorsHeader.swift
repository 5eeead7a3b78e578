/// One tensor's entry in a safetensors header.
public struct SafeTensorsEntry: Equatable, Sendable {
    /// The tensor's key in the file.
    public var name: String
    /// The stored element type.
    public var dtype: SafeTensorsDType
    /// Extent of each dimension (empty for a scalar).
    public var shape: [Int]
    /// Byte range of the data, relative to the start of the data section (after the header).
    public var dataOffsets: Range<Int>

    /// An entry from its parts (not validated; the header reader checks sizes and offsets).
    public init(name: String, dtype: SafeTensorsDType, shape: [Int], dataOffsets: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }

    /// Number of elements (the product of the shape).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// The validated header of a safetensors file: its tensors in data order and its metadata.
///
/// Layout of a file: an 8-byte little-endian header length `N`, `N` bytes of a JSON object
/// (padded with spaces to a multiple of 8), then the data section holding each tensor's
/// little-endian elements at `data_offsets`, back to back from byte 0 to the end of the file.
public struct SafeTensorsHeader: Equatable, Sendable {
    /// Tensors in order of their data offsets.
    public var entries: [SafeTensorsEntry]
    /// The optional `"__metadata__"` string map (empty when absent).
    public var metadata: [String: String]
    /// Length of the JSON header in bytes (the `N` of the length field, padding included).
    public var headerLength: Int
    /// Size of the data section in bytes.
    public var dataSize: Int

    /// The reference reader's limit on the header length (100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// The entry named `name`, if present.
    public func entry(named name: String) -> SafeTensorsEntry? {
        entries.first { $0.name == name }
    }
}

// MARK: - Reading

extension SafeTensorsHeader {
    /// Checks the 8-byte length field against the limit and the file size.
    ///
    /// - Parameters:
    ///   - lengthField: the first 8 bytes of the file, decoded as little-endian.
    ///   - fileSize: total size of the file in bytes (at least 8).
    /// - Returns: the header length as an `Int`.
    static func validatedHeaderLength(_ lengthField: UInt64, fileSize: Int, file: String) throws(SafeTensorsError) -> Int {
        if lengthField > UInt64(maximumHeaderLength) {
            throw SafeTensorsError(file: file, .headerTooLarge(declared: lengthField, limit: maximumHeaderLength))
        }
        if lengthField > UInt64(fileSize - 8) {
            throw SafeTensorsError(file: file, .headerBeyondFile(declared: lengthField, available: fileSize - 8))
        }
        return Int(lengthField)
    }

    /// Parses and validates header JSON.
    ///
    /// - Parameters:
    ///   - json: the `N` header bytes.
    ///   - dataSize: bytes in the file after the header.
    ///   - file: the path named in errors.
    /// - Throws: ``SafeTensorsError`` for malformed JSON, bad entries, unknown dtypes, offsets that
    ///   are out of range, overlapping, leave gaps or disagree with shape × dtype size, and data
    ///   sections with bytes left over.
    static func parse(json: [UInt8], dataSize: Int, file: String) throws(SafeTensorsError) -> SafeTensorsHeader {
        guard String(validating: json, as: UTF8.self) != nil else {
            throw SafeTensorsError(file: file, .headerNotUTF8)
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw SafeTensorsError(file: file, .malformedJSON(offset: error.offset, reason: error.reason))
        }
        guard case .object(let members) = root else {
            throw SafeTensorsError(file: file, .malformedJSON(offset: 0, reason: "the header is \(root.kindName), not an object"))
        }

        var metadata: [String: String]?
        var entries: [SafeTensorsEntry] = []
        var seen = Set<String>()
        for member in members {
            if member.key == "__metadata__" {
                guard metadata == nil else {
                    throw SafeTensorsError(file: file, .invalidMetadata("'__metadata__' appears more than once"))
                }
                metadata = try parseMetadata(member.value, file: file)
                continue
            }
            guard seen.insert(member.key).inserted else {
                throw SafeTensorsError(file: file, tensor: member.key, .duplicateTensor)
            }
            entries.append(try parseEntry(name: member.key, member.value, file: file))
        }

        try validateLayout(&entries, dataSize: dataSize, file: file)
        return SafeTensorsHeader(entries: entries, metadata: metadata ?? [:], headerLength: json.count, dataSize: dataSize)
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws(SafeTensorsError) -> [String: String] {
        guard case .object(let members) = value else {
            throw SafeTensorsError(file: file, .invalidMetadata("expected an object of strings, found \(value.kindName)"))
        }
        var metadata: [String: String] = [:]
        for member in members {
            guard case .string(let text) = member.value else {
                throw SafeTensorsError(
                    file: file,
                    .invalidMetadata(
                        "value of '\(member.key)' must be a string, found \(member.value.kindName)"))
            }
            guard metadata.updateValue(text, forKey: member.key) == nil else {
                throw SafeTensorsError(file: file, .invalidMetadata("key '\(member.key)' appears more than once"))
            }
        }
        return metadata
    }

    private static func parseEntry(name: String, _ value: JSONValue, file: String) throws(SafeTensorsError) -> SafeTensorsEntry {
        func invalid(_ reason: String) -> SafeTensorsError {
            SafeTensorsError(file: file, tensor: name, .invalidEntry(reason))
        }
        guard case .object(let members) = value else {
            throw invalid("expected an object with dtype, shape and data_offsets, found \(value.kindName)")
        }
        // Fields other than these three are ignored, as the reference reader does.
        func field(_ key: String) throws(SafeTensorsError) -> JSONValue {
            let matches = members.filter { $0.key == key }
            guard let first = matches.first else { throw invalid("missing field '\(key)'") }
            guard matches.count == 1 else { throw invalid("field '\(key)' appears more than once") }
            return first.value
        }

        guard case .string(let dtypeName) = try field("dtype") else {
            throw invalid("field 'dtype' must be a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            if SafeTensorsDType.recognisedButUnsupported.contains(dtypeName) {
                throw SafeTensorsError(file: file, tensor: name, .unsupportedDType(dtypeName))
            }
            throw SafeTensorsError(file: file, tensor: name, .unknownDType(dtypeName))
        }

        guard case .array(let dimensions) = try field("shape") else {
            throw invalid("field 'shape' must be an array of non-negative integers")
        }
        var shape: [Int] = []
        for (axis, dimension) in dimensions.enumerated() {
            guard let extent = dimension.nonNegativeInteger else {
                throw invalid("shape[\(axis)] must be a non-negative integer")
            }
            shape.append(extent)
        }

        guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2 else {
            throw invalid("field 'data_offsets' must be an array of two non-negative integers")
        }
        guard let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger else {
            throw invalid("data_offsets must be non-negative integers below 2^63")
        }
        guard begin <= end else {
            throw SafeTensorsError(file: file, tensor: name, .offsetsReversed(begin: begin, end: end))
        }

        // A tensor's row-major strides multiply its extents, a zero extent counting as one, so a
        // shape holding no element can still overflow: check that product, which bounds the
        // element count as well (found by Tools/fuzz).
        var span = 1
        for extent in shape {
            let (product, overflow) = span.multipliedReportingOverflow(by: max(extent, 1))
            guard !overflow else { throw SafeTensorsError(file: file, tensor: name, .shapeOverflow(shape: shape)) }
            span = product
        }
        let elements = shape.contains(0) ? 0 : span
        let (byteCount, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw SafeTensorsError(file: file, tensor: name, .shapeOverflow(shape: shape)) }
        guard byteCount == end - begin else {
            throw SafeTensorsError(
                file: file, tensor: name,
                .byteCountMismatch(dtype: dtypeName, shape: shape, expected: byteCount, found: end - begin))
        }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// Sorts entries by offset and checks they tile `0..<dataSize` exactly.
    private static func validateLayout(_ entries: inout [SafeTensorsEntry], dataSize: Int, file: String) throws(SafeTensorsError)
    {
        entries.sort {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound)
        }
        var expectedBegin = 0
        for entry in entries {
            guard entry.dataOffsets.lowerBound == expectedBegin else {
                throw SafeTensorsError(
                    file: file, tensor: entry.name,
                    .offsetsNotContiguous(expectedBegin: expectedBegin, foundBegin: entry.dataOffsets.lowerBound))
            }
            guard entry.dataOffsets.upperBound <= dataSize else {
                throw SafeTensorsError(
                    file: file, tensor: entry.name,
                    .offsetsOutOfRange(end: entry.dataOffsets.upperBound, dataSize: dataSize))
            }
            expectedBegin = entry.dataOffsets.upperBound
        }
        guard expectedBegin == dataSize else {
            throw SafeTensorsError(file: file, .dataSizeMismatch(expected: expectedBegin, found: dataSize))
        }
    }
}

// MARK: - Writing

extension SafeTensorsHeader {
    /// The JSON header bytes as the reference writer lays them out: `__metadata__` first (keys
    /// sorted), then the entries in order, compact, padded with spaces to a multiple of 8 bytes.
    func encodedJSON() -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        func separator() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
        }
        if !metadata.isEmpty {
            separator()
            appendJSONString("__metadata__", to: &out)
            out.append(contentsOf: Array(":{".utf8))
            for (index, key) in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendJSONString(metadata[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        for entry in entries {
            separator()
            appendJSONString(entry.name, to: &out)
            out.append(contentsOf: Array(":{\"dtype\":".utf8))
            appendJSONString(entry.dtype.rawValue, to: &out)
            out.append(contentsOf: Array(",\"shape\":[".utf8))
            out.append(contentsOf: Array(entry.shape.map(String.init).joined(separator: ",").utf8))
            out.append(
                contentsOf: Array("],\"data_offsets\":[\(entry.dataOffsets.lowerBound),\(entry.dataOffsets.upperBound)]}".utf8))
        }
        out.append(UInt8(ascii: "}"))
        let padding = (8 - out.count % 8) % 8
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        return out
    }
}
