/// A sink for training summaries: scalars and images at a step.
///
/// ``EventFileWriter`` writes TensorBoard event files; `RecordingWriter` (in `TrainingChecks`) keeps
/// every call in memory for tests. Writers are safe to call from several threads; calls after
/// ``close()`` throw ``SummaryWriterError/closed(_:)``.
public protocol SummaryWriter: Sendable {
    /// Logs `value` under `tag` (e.g. `"train/loss"`) at `step`.
    func scalar(tag: String, value: Float, step: Int) throws
    /// Logs an encoded PNG image under `tag` at `step`.
    func image(tag: String, png: EncodedPNG, step: Int) throws
    /// Logs an image given as pixels under `tag` at `step` (encoded as PNG where the writer stores files).
    func image(tag: String, pixels: PixelImage, step: Int) throws
    /// Makes everything logged so far visible to readers (for files: written to the file).
    func flush() throws
    /// Flushes and releases resources; later calls throw. Closing twice is allowed.
    func close() throws
}

extension SummaryWriter {
    /// Encodes `pixels` as PNG and logs it with ``image(tag:png:step:)``.
    public func image(tag: String, pixels: PixelImage, step: Int) throws {
        try image(tag: tag, png: PNGEncoder.encode(pixels), step: step)
    }
}

/// Misuse of a summary writer.
public enum SummaryWriterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A call after ``SummaryWriter/close()``; the value names the writer (e.g. its file).
    case closed(String)

    public var description: String {
        switch self {
        case .closed(let writer): return "\(writer): the summary writer is closed"
        }
    }
}
