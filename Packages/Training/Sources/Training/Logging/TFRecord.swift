/// TFRecord framing, the container of TensorBoard event files. Each record is
///
///     u64 length (little-endian) | u32 masked CRC-32C of those 8 bytes | payload | u32 masked CRC-32C of payload
enum TFRecord {
    /// `payload` framed as one record.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 16)
        let length = withUnsafeBytes(of: UInt64(payload.count).littleEndian) { Array($0) }
        out.append(contentsOf: length)
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(length)), to: &out)
        out.append(contentsOf: payload)
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(payload)), to: &out)
        return out
    }

    /// The payloads of all records in `bytes`, after checking both CRCs of each.
    ///
    /// - Throws: ``EventFileError`` naming `file` and the record index for a record cut short or a
    ///   checksum mismatch.
    static func payloads(_ bytes: [UInt8], file: String) throws(EventFileError) -> [ArraySlice<UInt8>] {
        var payloads: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset < bytes.count {
            let index = payloads.count
            let remaining = bytes.count - offset
            guard remaining >= 12 else {
                throw EventFileError(file: file, record: index, .truncated(expected: 12, found: remaining))
            }
            let lengthBytes = bytes[offset..<(offset + 8)]
            let storedLengthCRC = littleEndian32(bytes, at: offset + 8)
            let computedLengthCRC = CRC32C.masked(CRC32C.checksum(Array(lengthBytes)))
            guard storedLengthCRC == computedLengthCRC else {
                throw EventFileError(
                    file: file, record: index, .lengthChecksumMismatch(stored: storedLengthCRC, computed: computedLengthCRC))
            }
            let length = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            guard remaining >= 16, length <= UInt64(remaining - 16) else {
                let needed = length > UInt64(Int.max - 16) ? Int.max : Int(length) + 16
                throw EventFileError(file: file, record: index, .truncated(expected: needed, found: remaining))
            }
            let payload = bytes[(offset + 12)..<(offset + 12 + Int(length))]
            let storedPayloadCRC = littleEndian32(bytes, at: offset + 12 + Int(length))
            let computedPayloadCRC = CRC32C.masked(payload.withUnsafeBytes { CRC32C.checksum($0) })
            guard storedPayloadCRC == computedPayloadCRC else {
                throw EventFileError(
                    file: file, record: index, .payloadChecksumMismatch(stored: storedPayloadCRC, computed: computedPayloadCRC))
            }
            payloads.append(payload)
            offset += 16 + Int(length)
        }
        return payloads
    }

    private static func appendLittleEndian(_ value: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func littleEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }
}
