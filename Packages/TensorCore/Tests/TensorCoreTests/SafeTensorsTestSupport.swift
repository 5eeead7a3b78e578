import Foundation
import TensorCore

/// Helpers shared by the safetensors tests: temporary directories and hand-built files.
enum SafeTensorsTestSupport {
    /// A fresh empty directory, removed after `body` returns.
    static func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// A file made of the 8-byte length of `json`, `json` itself and `data`.
    static func file(json: String, data: [UInt8] = []) -> [UInt8] {
        let header = Array(json.utf8)
        return file(headerBytes: header, declaredLength: UInt64(header.count), data: data)
    }

    /// A file with an arbitrary length field, header bytes and data.
    static func file(headerBytes: [UInt8], declaredLength: UInt64, data: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: declaredLength.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + headerBytes + data
    }

    /// The error `SafeTensors.decode` throws for `bytes`, or nil when it succeeds.
    static func decodeError(_ bytes: [UInt8]) -> SafeTensorsError? {
        do {
            _ = try SafeTensors.decode(bytes, source: "forged.safetensors")
            return nil
        } catch {
            return error
        }
    }

    /// The little-endian bytes of `values` as Float32.
    static func f32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    /// Entries of the file's directory other than the ones listed (to find stray temporary files).
    static func directoryEntries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}
