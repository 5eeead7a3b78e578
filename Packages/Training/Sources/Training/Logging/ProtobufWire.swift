/// The few pieces of the protobuf wire format that TensorBoard's `Event` and `Summary` need.
///
/// Writing covers varints, 64-bit and 32-bit fixed fields and length-delimited fields; reading
/// walks the fields of one message, with bounds checks on every length.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
    private mutating func key(_ field: Int, wireType: UInt8) {
        varint(UInt64(field) << 3 | UInt64(wireType))
    }

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// An `int32`/`int64` field (negative values take ten bytes, as protobuf specifies).
    mutating func int(_ field: Int, _ value: Int64) {
        key(field, wireType: 0)
        varint(UInt64(bitPattern: value))
    }

    /// A `double` field.
    mutating func double(_ field: Int, _ value: Double) {
        key(field, wireType: 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `float` field.
    mutating func float(_ field: Int, _ value: Float) {
        key(field, wireType: 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `bytes` field, or an embedded message given as its encoding.
    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, wireType: 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field (UTF-8).
    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }
}

/// One field read from a message.
enum ProtobufField {
    case varint(UInt64)
    case fixed64(UInt64)
    case lengthDelimited(ArraySlice<UInt8>)
    case fixed32(UInt32)
}

/// A malformed message: where and why.
struct ProtobufError: Error, Equatable {
    var offset: Int
    var reason: String
}

/// Reads the fields of one message in order.
struct ProtobufReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// The next field as `(number, value)`, or nil at the end of the message.
    mutating func next() throws(ProtobufError) -> (field: Int, value: ProtobufField)? {
        guard index < bytes.endIndex else { return nil }
        let keyOffset = index
        let key = try varint()
        let field = Int(key >> 3)
        guard field > 0, key >> 3 <= UInt64(Int32.max) else {
            throw ProtobufError(offset: keyOffset - bytes.startIndex, reason: "invalid field number \(key >> 3)")
        }
        switch key & 7 {
        case 0:
            return (field, .varint(try varint()))
        case 1:
            let raw = try fixed(8)
            return (field, .fixed64(raw.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }))
        case 2:
            let lengthOffset = index
            let length = try varint()
            guard length <= UInt64(bytes.endIndex - index) else {
                throw ProtobufError(
                    offset: lengthOffset - bytes.startIndex,
                    reason: "field \(field) declares \(length) bytes but \(bytes.endIndex - index) remain")
            }
            let value = bytes[index..<(index + Int(length))]
            index += Int(length)
            return (field, .lengthDelimited(value))
        case 5:
            let raw = try fixed(4)
            return (field, .fixed32(raw.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }))
        case let wireType:
            throw ProtobufError(
                offset: keyOffset - bytes.startIndex, reason: "unsupported wire type \(wireType) in field \(field)")
        }
    }

    private mutating func varint() throws(ProtobufError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = index
        while true {
            guard index < bytes.endIndex else {
                throw ProtobufError(offset: start - bytes.startIndex, reason: "varint runs past the end of the message")
            }
            let byte = bytes[index]
            index += 1
            guard shift < 64 else {
                throw ProtobufError(offset: start - bytes.startIndex, reason: "varint longer than 10 bytes")
            }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func fixed(_ count: Int) throws(ProtobufError) -> ArraySlice<UInt8> {
        guard bytes.endIndex - index >= count else {
            throw ProtobufError(offset: index - bytes.startIndex, reason: "\(count)-byte field runs past the end of the message")
        }
        defer { index += count }
        return bytes[index..<(index + count)]
    }
}
