import DeepTrustSystem
import Synchronization

/// Writes TensorBoard event files: `events.out.tfevents.<unix seconds>.<hostname>` in a log
/// directory, one TFRecord-framed `Event` per call, the first being the file version.
///
/// Records are buffered and written to the file when ``flush()`` or ``close()`` is called, when
/// more than ``maximumPendingBytes`` are waiting, and on the first call that comes `flushInterval`
/// after the last write; image events are written at once. ``close()`` also `fsync`s the file.
/// Calls from several threads are serialised by a lock, so records are never interleaved.
///
/// ```swift
/// let writer = try EventFileWriter(logDirectory: "results/run1")
/// try writer.scalar(tag: "train/loss", value: 12.5, step: 1)
/// try writer.close()
/// ```
public final class EventFileWriter: SummaryWriter {
    /// The event file being written.
    public let path: String
    /// The longest time a record waits in memory before a later call writes it.
    public let flushInterval: Duration
    /// Pending bytes beyond which records are written at once (1 MiB).
    public static let maximumPendingBytes = 1 << 20

    private struct State {
        var descriptor: Int32
        var pending: [UInt8] = []
        var lastWrite: ContinuousClock.Instant
        var closed = false
    }

    // Mutex is Sendable, and every access to the descriptor and buffer goes through it.
    private let state: Mutex<State>

    /// Creates `logDirectory` (with its parents) if needed and starts a new event file there.
    ///
    /// - Parameters:
    ///   - filenameSuffix: appended to the file name (TensorBoard only requires `tfevents` in it).
    ///   - flushInterval: see the type's description; 2 seconds by default.
    /// - Throws: ``EventFileError`` naming the directory or file when it cannot be created or written.
    public init(logDirectory: String, filenameSuffix: String = "", flushInterval: Duration = .seconds(2)) throws(EventFileError) {
        do {
            try makeDirectories(atPath: logDirectory)
        } catch {
            throw EventFileError(file: error.path, .io(operation: "create directory", errno: error.errno, message: error.reason))
        }
        let seconds = Int(Self.now())
        let base = "\(logDirectory)/events.out.tfevents.\(seconds).\(Self.hostname())\(filenameSuffix)"
        // Two writers started in the same second in one directory get distinct files.
        var candidate = base
        var attempt = 0
        var descriptor: Int32 = -1
        while true {
            descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 { break }
            let code = errno
            guard code == EEXIST, attempt < 1000 else {
                throw EventFileError(
                    file: candidate, .io(operation: "create", errno: code, message: systemErrorMessage(code)))
            }
            attempt += 1
            candidate = "\(base).\(attempt)"
        }
        self.path = candidate
        self.flushInterval = flushInterval
        self.state = Mutex(State(descriptor: descriptor, lastWrite: .now))
        let version = TensorBoardEvent(wallTime: Self.now(), step: 0, content: .fileVersion(TensorBoardEvent.fileVersion))
        try state.withLock { (state) throws(EventFileError) in
            state.pending = TFRecord.frame(version.encoded())
            try writePending(&state)
        }
    }

    deinit {
        try? close()
    }

    /// Logs `value` as a `simple_value` summary.
    /// - Throws: ``EventFileError`` when writing fails, ``SummaryWriterError/closed(_:)`` after ``close()``.
    public func scalar(tag: String, value: Float, step: Int) throws {
        try append(
            TensorBoardEvent(
                wallTime: Self.now(), step: Int64(step),
                content: .summary([SummaryValue(tag: tag, kind: .scalar(value))])), writeNow: false)
    }

    /// Logs an image summary with the PNG's size and colorspace.
    /// - Throws: ``EventFileError`` when writing fails, ``SummaryWriterError/closed(_:)`` after ``close()``.
    public func image(tag: String, png: EncodedPNG, step: Int) throws {
        let image = SummaryImage(height: png.height, width: png.width, colorspace: png.format.channels, encodedImage: png.bytes)
        try append(
            TensorBoardEvent(
                wallTime: Self.now(), step: Int64(step),
                content: .summary([SummaryValue(tag: tag, kind: .image(image))])), writeNow: true)
    }

    /// Writes pending records to the file.
    /// - Throws: ``EventFileError`` when writing fails, ``SummaryWriterError/closed(_:)`` after ``close()``.
    public func flush() throws {
        try state.withLock { (state) throws in
            guard !state.closed else { throw SummaryWriterError.closed(path) }
            try writePending(&state)
        }
    }

    /// Writes pending records, `fsync`s and closes the file. Closing again does nothing.
    /// - Throws: ``EventFileError`` when writing or syncing fails (the file is closed anyway).
    public func close() throws {
        try state.withLock { (state) throws(EventFileError) in
            guard !state.closed else { return }
            state.closed = true
            defer { _ = closeDescriptor(state.descriptor) }
            try writePending(&state)
            guard fsync(state.descriptor) == 0 else { throw ioError("fsync") }
        }
    }

    // MARK: - Private

    private func append(_ event: TensorBoardEvent, writeNow: Bool) throws {
        let record = TFRecord.frame(event.encoded())
        try state.withLock { (state) throws in
            guard !state.closed else { throw SummaryWriterError.closed(path) }
            state.pending.append(contentsOf: record)
            if writeNow || state.pending.count > Self.maximumPendingBytes || state.lastWrite.duration(to: .now) >= flushInterval {
                try writePending(&state)
            }
        }
    }

    private func writePending(_ state: inout State) throws(EventFileError) {
        defer { state.lastWrite = .now }
        guard !state.pending.isEmpty else { return }
        let descriptor = state.descriptor
        let failure: Int32? = state.pending.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let written = writeDescriptor(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += written
            }
            return nil
        }
        if let failure {
            throw EventFileError(file: path, .io(operation: "write", errno: failure, message: systemErrorMessage(failure)))
        }
        state.pending.removeAll(keepingCapacity: true)
    }

    private func ioError(_ operation: String) -> EventFileError {
        let code = errno
        return EventFileError(file: path, .io(operation: operation, errno: code, message: systemErrorMessage(code)))
    }

    /// Seconds since 1970 (the event's wall_time).
    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}

// File-scope wrappers: inside the class, `close` and `write` name its own methods.
private func closeDescriptor(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func writeDescriptor(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, pointer, count)
}
