import Testing
import Training

/// CRC-32C against published check values (the CRC catalogue and RFC 3720, appendix B.4).
@Suite struct CRC32CTests {
    @Test func standardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func iSCSITestVectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    /// The 8-byte slices agree with the plain bit-by-bit definition at every length and alignment.
    @Test func slicingMatchesTheBitwiseDefinition() {
        func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xffff_ffff
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 7) {
                let slice = data[start..<end]
                #expect(slice.withUnsafeBytes { CRC32C.checksum($0) } == bitwise(slice), "bytes \(start)..<\(end)")
            }
        }
    }

    @Test func checksumsCanBeContinued() {
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        let first = data[..<10].withUnsafeBytes { CRC32C.checksum($0) }
        let whole = data[10...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
        #expect(whole == CRC32C.checksum(data))
        #expect(whole == 0x2262_0404)
    }

    /// The mask TensorFlow applies: rotate right 15, add 0xA282EAD8 (kMaskDelta).
    @Test func maskingRotatesAndAdds() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        #expect(CRC32C.masked(0x0000_8000) == 0xA282_EAD9)
        #expect(CRC32C.masked(0x0000_0001) == 0xA282_EAD8 &+ 0x0002_0000)
    }
}
