/// An event file could not be written or read back.
///
/// Reading errors name the file and the zero-based index of the record at fault, e.g.
/// `run/events.out.tfevents.1700000000.host: record 3: payload CRC-32C (masked) is 0x1234abcd, computed 0x…`.
///
/// A struct around the typed ``Problem``: every problem happens at a file (or directory) and,
/// when reading, at a record, so those two are stored once beside the enum of what went wrong.
/// Match on ``problem`` to tell the cases apart.
public struct EventFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Problem: Equatable, Sendable {
        /// A system call failed; `operation` is e.g. `"open"`, `"write"`, `"mkdir"`.
        case io(operation: String, errno: Int32, message: String)
        /// The file ends inside a record: `expected` bytes were needed from the record's start, `found` remain.
        case truncated(expected: Int, found: Int)
        /// The masked CRC-32C of the 8-byte length does not match.
        case lengthChecksumMismatch(stored: UInt32, computed: UInt32)
        /// The masked CRC-32C of the payload does not match.
        case payloadChecksumMismatch(stored: UInt32, computed: UInt32)
        /// The payload is not a valid `Event` protobuf message.
        case malformedEvent(String)
        /// The first record is not the `file_version` event.
        case missingFileVersion
        /// The directory holds no file whose name contains `tfevents`.
        case noEventFiles
    }

    /// The file (or directory) involved.
    public var file: String
    /// The zero-based index of the record at fault, when reading.
    public var record: Int?
    /// What went wrong there.
    public var problem: Problem

    /// The error `problem` at `file` and, when reading, at the zero-based `record`.
    public init(file: String, record: Int? = nil, _ problem: Problem) {
        self.file = file
        self.record = record
        self.problem = problem
    }

    public var description: String {
        let place = record.map { "\(file): record \($0)" } ?? file
        return "\(place): \(problem.explanation)"
    }
}

extension EventFileError.Problem {
    var explanation: String {
        func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
        switch self {
        case .io(let operation, let errno, let message):
            return "\(operation) failed: \(message) (errno \(errno))"
        case .truncated(let expected, let found):
            return "file ends inside the record: \(expected) bytes needed, \(found) remain"
        case .lengthChecksumMismatch(let stored, let computed):
            return "length CRC-32C (masked) is \(hex(stored)), computed \(hex(computed))"
        case .payloadChecksumMismatch(let stored, let computed):
            return "payload CRC-32C (masked) is \(hex(stored)), computed \(hex(computed))"
        case .malformedEvent(let reason):
            return "not a valid Event message: \(reason)"
        case .missingFileVersion:
            return "the first record is not the file_version event '\(TensorBoardEvent.fileVersion)'"
        case .noEventFiles:
            return "no TensorBoard event files (names containing 'tfevents')"
        }
    }
}
