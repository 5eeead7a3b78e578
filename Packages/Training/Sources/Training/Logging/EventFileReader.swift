import DeepTrustSystem

/// Everything a run directory's event files hold, as series by tag.
public struct TensorBoardRun: Equatable, Sendable {
    /// One scalar of a series.
    public struct ScalarPoint: Equatable, Sendable {
        /// The step it was logged at (for a ``VAETrainer``: the global step of `train/*`, the
        /// 0-based epoch of `test/loss`).
        public var step: Int64
        /// Seconds since 1970.
        public var wallTime: Double
        /// The logged value (`simple_value`).
        public var value: Float
    }

    /// One image of a series.
    public struct ImagePoint: Equatable, Sendable {
        /// The step it was logged at (for a ``VAETrainer``: the 0-based epoch).
        public var step: Int64
        /// Seconds since 1970.
        public var wallTime: Double
        /// The image as stored: size, colorspace and PNG bytes.
        public var image: SummaryImage
    }

    /// The event files read, in the order read (sorted by name).
    public var files: [String]
    /// Scalar series by tag, in file order.
    public var scalars: [String: [ScalarPoint]]
    /// Image series by tag, in file order.
    public var images: [String: [ImagePoint]]
}

/// Reads TensorBoard event files back, checking every CRC — the Swift side of the proof that
/// ``EventFileWriter``'s files are well-formed (Tools/python/readers/tb-read.py is TensorBoard's side).
public enum EventFileReader {
    /// The events of the file at `path`, in order; the first is the file-version event.
    ///
    /// - Throws: ``EventFileError`` naming the file and the record index when the file cannot be
    ///   read, a record is cut short or fails a CRC, a payload is not an `Event`, or the first
    ///   event is not the file version.
    public static func events(inFile path: String) throws(EventFileError) -> [TensorBoardEvent] {
        let bytes = try readFile(path)
        let payloads = try TFRecord.payloads(bytes, file: path)
        var events: [TensorBoardEvent] = []
        for (index, payload) in payloads.enumerated() {
            do {
                events.append(try TensorBoardEvent.decode(payload))
            } catch {
                throw EventFileError(
                    file: path, record: index, .malformedEvent("\(error.reason) (at byte \(error.offset) of the payload)"))
            }
        }
        guard case .fileVersion(TensorBoardEvent.fileVersion)? = events.first?.content else {
            throw EventFileError(file: path, record: 0, .missingFileVersion)
        }
        return events
    }

    /// The paths of the event files (names containing `tfevents`, as TensorBoard looks for) in
    /// `directory`, sorted by name.
    ///
    /// - Throws: ``EventFileError`` when the directory cannot be listed.
    public static func eventFiles(in directory: String) throws(EventFileError) -> [String] {
        let names: [String]
        do {
            names = try directoryEntries(atPath: directory)
        } catch {
            throw EventFileError(
                file: directory,
                .io(operation: "open directory", errno: error.errno, message: systemErrorMessage(error.errno)))
        }
        return names.filter { $0.contains("tfevents") }.sorted().map { "\(directory)/\($0)" }
    }

    /// All scalars and images of the event files in `directory`.
    ///
    /// - Throws: ``EventFileError`` as ``events(inFile:)`` does, and with
    ///   ``EventFileError/Problem/noEventFiles`` when the directory has none.
    public static func run(_ directory: String) throws(EventFileError) -> TensorBoardRun {
        let files = try eventFiles(in: directory)
        guard !files.isEmpty else { throw EventFileError(file: directory, .noEventFiles) }
        var run = TensorBoardRun(files: files, scalars: [:], images: [:])
        for file in files {
            for event in try events(inFile: file) {
                guard case .summary(let values) = event.content else { continue }
                for value in values {
                    switch value.kind {
                    case .scalar(let number):
                        run.scalars[value.tag, default: []].append(
                            .init(step: event.step, wallTime: event.wallTime, value: number))
                    case .image(let image):
                        run.images[value.tag, default: []].append(.init(step: event.step, wallTime: event.wallTime, image: image))
                    case .other:
                        continue
                    }
                }
            }
        }
        return run
    }

    private static func readFile(_ path: String) throws(EventFileError) -> [UInt8] {
        func failure(_ operation: String) -> EventFileError {
            let code = errno
            return EventFileError(file: path, .io(operation: operation, errno: code, message: systemErrorMessage(code)))
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw failure("read")
            }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<got])
        }
    }
}
