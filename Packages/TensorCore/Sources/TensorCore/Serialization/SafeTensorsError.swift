/// A safetensors file could not be read or written.
///
/// Every error names the file (or `"<memory>"` for in-memory buffers), the tensor when one is
/// involved, and what was expected and found, e.g.
/// `model.safetensors: tensor 'fc1.weight': 24 data bytes expected for F32 [2, 3], found 20`.
///
/// A struct that wraps the ``Problem`` enum rather than an enum itself, so that every case carries
/// the file and the tensor in the same two fields; switch on ``problem`` to tell the cases apart.
public struct SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Problem: Equatable, Sendable {
        /// A system call failed; `operation` is e.g. `"open"`, `"read"`, `"fsync"`, `"rename"`.
        case io(operation: String, errno: Int32, message: String)
        /// The file is shorter than the 8-byte header length field.
        case fileTooShort(size: Int)
        /// The declared header length exceeds the 100,000,000-byte limit of the reference reader.
        case headerTooLarge(declared: UInt64, limit: Int)
        /// The declared header length runs past the end of the file.
        case headerBeyondFile(declared: UInt64, available: Int)
        /// The header bytes are not valid UTF-8.
        case headerNotUTF8
        /// The header is not well-formed JSON, or not a JSON object; `offset` is a byte offset in the header.
        case malformedJSON(offset: Int, reason: String)
        /// A tensor entry lacks a field or has one of the wrong type.
        case invalidEntry(String)
        /// The `__metadata__` entry is not an object of strings.
        case invalidMetadata(String)
        /// The dtype string is not a safetensors dtype.
        case unknownDType(String)
        /// The dtype is a valid safetensors dtype that this reader cannot convert to Float32.
        case unsupportedDType(String)
        /// The element count or byte count of the shape overflows a 64-bit integer.
        case shapeOverflow(shape: [Int])
        /// `data_offsets` has its end before its begin.
        case offsetsReversed(begin: Int, end: Int)
        /// The tensor's byte range does not fit in the data section.
        case offsetsOutOfRange(end: Int, dataSize: Int)
        /// The tensor does not start where the previous one ended (a gap or an overlap).
        case offsetsNotContiguous(expectedBegin: Int, foundBegin: Int)
        /// The tensor's byte range does not match its shape and dtype.
        case byteCountMismatch(dtype: String, shape: [Int], expected: Int, found: Int)
        /// The tensors do not cover the data section exactly (bytes left over after the last tensor).
        case dataSizeMismatch(expected: Int, found: Int)
        /// Two entries share the tensor's name.
        case duplicateTensor
        /// A tensor was named `__metadata__`, which the format reserves.
        case reservedName
        /// A looked-up tensor is not in the file.
        case tensorMissing(available: [String])
        /// A looked-up tensor has another shape than the caller expects.
        case shapeMismatch(expected: [Int], found: [Int])
    }

    /// The file path, or `"<memory>"`.
    public var file: String
    /// The tensor involved, if any.
    public var tensor: String?
    /// What went wrong.
    public var problem: Problem

    /// An error about `file` (and `tensor`, when one is involved).
    public init(file: String, tensor: String? = nil, _ problem: Problem) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
    }

    public var description: String {
        let place = tensor.map { "\(file): tensor '\($0)'" } ?? file
        return "\(place): \(problem.explanation)"
    }
}

extension SafeTensorsError.Problem {
    /// A sentence saying what was expected and what was found.
    var explanation: String {
        switch self {
        case .io(let operation, let errno, let message):
            return "\(operation) failed: \(message) (errno \(errno))"
        case .fileTooShort(let size):
            return "file has \(size) bytes, fewer than the 8-byte header length field"
        case .headerTooLarge(let declared, let limit):
            return "header length \(declared) exceeds the limit of \(limit) bytes"
        case .headerBeyondFile(let declared, let available):
            return "header length \(declared) exceeds the \(available) bytes after the length field"
        case .headerNotUTF8:
            return "header is not valid UTF-8"
        case .malformedJSON(let offset, let reason):
            return "header is not valid JSON at byte \(offset): \(reason)"
        case .invalidEntry(let reason):
            return "invalid header entry: \(reason)"
        case .invalidMetadata(let reason):
            return "invalid __metadata__: \(reason)"
        case .unknownDType(let name):
            return "unknown dtype '\(name)'"
        case .unsupportedDType(let name):
            return "dtype '\(name)' cannot be converted to Float32 by this reader"
        case .shapeOverflow(let shape):
            return "shape \(shape) overflows 64-bit element or byte counts"
        case .offsetsReversed(let begin, let end):
            return "data_offsets [\(begin), \(end)] end before they begin"
        case .offsetsOutOfRange(let end, let dataSize):
            return "data ends at byte \(end) but the data section has \(dataSize) bytes"
        case .offsetsNotContiguous(let expectedBegin, let foundBegin):
            let kind = foundBegin > expectedBegin ? "gap" : "overlap"
            return "data must begin at byte \(expectedBegin) where the previous tensor ends, found \(foundBegin) (\(kind))"
        case .byteCountMismatch(let dtype, let shape, let expected, let found):
            return "\(expected) data bytes expected for \(dtype) \(shape), found \(found)"
        case .dataSizeMismatch(let expected, let found):
            return "data section has \(found) bytes but the tensors cover \(expected)"
        case .duplicateTensor:
            return "the name appears more than once in the header"
        case .reservedName:
            return "'__metadata__' is reserved and cannot name a tensor"
        case .tensorMissing(let available):
            let shown = available.prefix(8).joined(separator: ", ")
            let more = available.count > 8 ? ", … (\(available.count) in all)" : ""
            return "not in the file (it holds: \(shown.isEmpty ? "no tensors" : shown)\(more))"
        case .shapeMismatch(let expected, let found):
            return "expected shape \(expected), found \(found)"
        }
    }
}
