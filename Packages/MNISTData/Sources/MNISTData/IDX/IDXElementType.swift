/// The element type code in the third byte of an IDX file's magic number.
public enum IDXElementType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Unsigned byte (MNIST images and labels).
    case uint8 = 0x08
    /// Signed byte.
    case int8 = 0x09
    /// Signed 16-bit integer, big-endian.
    case int16 = 0x0B
    /// Signed 32-bit integer, big-endian.
    case int32 = 0x0C
    /// IEEE 754 single precision, big-endian.
    case float32 = 0x0D
    /// IEEE 754 double precision, big-endian.
    case float64 = 0x0E

    /// Bytes per element (elements are stored big-endian).
    public var byteWidth: Int {
        switch self {
        case .uint8, .int8: return 1
        case .int16: return 2
        case .int32, .float32: return 4
        case .float64: return 8
        }
    }

    /// The name and code, e.g. `uint8 (0x08)`.
    public var description: String {
        let name: String
        switch self {
        case .uint8: name = "uint8"
        case .int8: name = "int8"
        case .int16: name = "int16"
        case .int32: name = "int32"
        case .float32: name = "float32"
        case .float64: name = "float64"
        }
        return "\(name) (0x\(hexByte(rawValue)))"
    }
}

/// Two lower-case hex digits.
func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

/// Lower-case hex digits of `bytes`, without separators.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map(hexByte).joined()
}
