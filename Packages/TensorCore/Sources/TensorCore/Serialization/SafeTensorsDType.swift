/// An element type of a safetensors file that this reader converts to Float32.
///
/// The raw value is the spelling used in the header (`"F32"`, `"BF16"`, …). Writing always
/// uses ``f32``. Integer and boolean tensors convert exactly up to 2^24; larger magnitudes round
/// to the nearest Float32, and F64 values outside the Float32 range become ±infinity.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    /// IEEE 754 double precision.
    case f64 = "F64"
    /// IEEE 754 single precision (what this writer stores).
    case f32 = "F32"
    /// IEEE 754 half precision.
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of a Float32.
    case bf16 = "BF16"
    /// 8-bit float with 4 exponent and 3 mantissa bits, finite only (PyTorch's `float8_e4m3fn`).
    case f8E4M3 = "F8_E4M3"
    /// 8-bit float with 5 exponent and 2 mantissa bits (PyTorch's `float8_e5m2`).
    case f8E5M2 = "F8_E5M2"
    /// Signed 64-bit integer.
    case i64 = "I64"
    /// Signed 32-bit integer.
    case i32 = "I32"
    /// Signed 16-bit integer.
    case i16 = "I16"
    /// Signed 8-bit integer.
    case i8 = "I8"
    /// Unsigned 64-bit integer.
    case u64 = "U64"
    /// Unsigned 32-bit integer.
    case u32 = "U32"
    /// Unsigned 16-bit integer.
    case u16 = "U16"
    /// Unsigned 8-bit integer.
    case u8 = "U8"
    /// One byte per element; any non-zero byte reads as 1.
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .f8E4M3, .f8E5M2, .i8, .u8, .bool: return 1
        }
    }

    /// Dtypes of the safetensors format that this reader recognises but cannot convert
    /// (sub-byte floats, the exponent-only F8 and complex numbers).
    static let recognisedButUnsupported: Set<String> = ["F4", "F6_E2M3", "F6_E3M2", "F8_E8M0", "C64"]

    /// Converts `count` little-endian elements starting at `bytes` to Float32.
    func decode(_ bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            for i in 0..<count {
                out[i] = element(i, of: bytes)
            }
            initialized = count
        }
    }

    @inline(__always)
    private func element(_ i: Int, of bytes: UnsafeRawBufferPointer) -> Float {
        switch self {
        case .f64:
            return Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
        case .f32:
            return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case .f16:
            return Self.halfToFloat(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        case .bf16:
            let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            return Float(bitPattern: UInt32(bits) << 16)
        case .f8E4M3:
            return Self.e4m3ToFloat(bytes[i])
        case .f8E5M2:
            // E5M2 is the upper byte of an IEEE half.
            return Self.halfToFloat(UInt16(bytes[i]) << 8)
        case .i64:
            return Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case .i32:
            return Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case .i16:
            return Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
        case .i8:
            return Float(Int8(bitPattern: bytes[i]))
        case .u64:
            return Float(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
        case .u32:
            return Float(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case .u16:
            return Float(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        case .u8:
            return Float(bytes[i])
        case .bool:
            return bytes[i] == 0 ? 0 : 1
        }
    }

    /// IEEE 754 binary16 → binary32 (exact).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1f)
        let mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2^-24.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        case 31:
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
        }
    }

    /// float8 E4M3 (finite-only "fn" variant, bias 7; S.1111.111 is NaN) → binary32 (exact).
    static func e4m3ToFloat(_ byte: UInt8) -> Float {
        let negative = byte & 0x80 != 0
        let exponent = Int((byte >> 3) & 0x0f)
        let mantissa = Int(byte & 0x07)
        if exponent == 15 && mantissa == 7 { return .nan }
        let magnitude: Float
        if exponent == 0 {
            magnitude = Float(mantissa) * 0x1p-9  // (m / 8) · 2^-6
        } else {
            magnitude = Float(8 + mantissa) * Float(sign: .plus, exponent: exponent - 7 - 3, significand: 1)
        }
        return negative ? -magnitude : magnitude
    }
}
