import Synchronization
import Training

/// A `SummaryWriter` that keeps every call in memory, in order, for tests to inspect.
///
/// It behaves like a real writer where tests rely on it: calls after ``close()`` throw
/// `SummaryWriterError.closed(_:)`. It is safe to use from several threads at once.
///
/// ```swift
/// let writer = RecordingWriter()
/// let trainer = try VAETrainer(
///     model: model, trainingSet: train, testSet: test, generator: generator, writer: writer)
/// try trainer.train(epochs: 1)
/// #expect(writer.scalars(tag: "train/loss").map(\.step) == Array(0..<trainer.stepsPerEpoch))  // global steps
/// #expect(writer.scalars(tag: "test/loss").map(\.step) == [0])                                // the epoch
/// ```
public final class RecordingWriter: SummaryWriter {
    /// An image as it was logged.
    public enum LoggedImage: Equatable, Sendable {
        /// Logged with ``image(tag:png:step:)``: the PNG as given.
        case png(EncodedPNG)
        /// Logged with ``image(tag:pixels:step:)``: the pixels as given (not encoded).
        case pixels(PixelImage)

        /// Columns of pixels.
        public var width: Int {
            switch self {
            case .png(let png): return png.width
            case .pixels(let image): return image.width
            }
        }

        /// Rows of pixels.
        public var height: Int {
            switch self {
            case .png(let png): return png.height
            case .pixels(let image): return image.height
            }
        }

        /// The channel layout.
        public var format: PixelImage.Format {
            switch self {
            case .png(let png): return png.format
            case .pixels(let image): return image.format
            }
        }

        /// The pixels (decoding the PNG when the image was logged encoded).
        /// - Throws: `ImageError.invalidPNG(_:)` when the logged PNG cannot be decoded.
        public func decodedPixels() throws(ImageError) -> PixelImage {
            switch self {
            case .png(let png): return try PNGDecoder.decode(png.bytes)
            case .pixels(let image): return image
            }
        }
    }

    /// One call made to the writer.
    public enum Call: Equatable, Sendable {
        /// ``scalar(tag:value:step:)``.
        case scalar(tag: String, value: Float, step: Int)
        /// ``image(tag:png:step:)`` or ``image(tag:pixels:step:)``.
        case image(tag: String, image: LoggedImage, step: Int)
        /// ``flush()``.
        case flush
        /// The first ``close()`` (later ones are not recorded).
        case close
    }

    /// One logged scalar.
    public struct ScalarRecord: Equatable, Sendable {
        /// The step it was logged at.
        public var step: Int
        /// The logged value.
        public var value: Float

        /// `value` logged at `step`.
        public init(step: Int, value: Float) {
            self.step = step
            self.value = value
        }
    }

    /// One logged image.
    public struct ImageRecord: Equatable, Sendable {
        /// The step it was logged at.
        public var step: Int
        /// The logged image.
        public var image: LoggedImage

        /// `image` logged at `step`.
        public init(step: Int, image: LoggedImage) {
            self.step = step
            self.image = image
        }
    }

    private struct State {
        var calls: [Call] = []
        var closed = false
    }

    // Mutex is Sendable; all state is behind it.
    private let state = Mutex(State())

    /// An open writer with no calls recorded.
    public init() {}

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// True once ``close()`` was called.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// The distinct tags logged so far (scalars and images), sorted.
    public var tags: [String] {
        let all = calls.compactMap { call -> String? in
            switch call {
            case .scalar(let tag, _, _), .image(let tag, _, _): return tag
            case .flush, .close: return nil
            }
        }
        return Set(all).sorted()
    }

    /// The scalars logged under `tag`, in call order.
    public func scalars(tag: String) -> [ScalarRecord] {
        calls.compactMap { call in
            guard case .scalar(tag, let value, let step) = call else { return nil }
            return ScalarRecord(step: step, value: value)
        }
    }

    /// The images logged under `tag`, in call order.
    public func images(tag: String) -> [ImageRecord] {
        calls.compactMap { call in
            guard case .image(tag, let image, let step) = call else { return nil }
            return ImageRecord(step: step, image: image)
        }
    }

    public func scalar(tag: String, value: Float, step: Int) throws {
        try record(.scalar(tag: tag, value: value, step: step))
    }

    public func image(tag: String, png: EncodedPNG, step: Int) throws {
        try record(.image(tag: tag, image: .png(png), step: step))
    }

    /// Records the pixels as given (no PNG round trip).
    public func image(tag: String, pixels: PixelImage, step: Int) throws {
        try record(.image(tag: tag, image: .pixels(pixels), step: step))
    }

    public func flush() throws {
        try record(.flush)
    }

    /// Records the close; closing again records nothing and does not throw.
    public func close() throws {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            state.calls.append(.close)
        }
    }

    private func record(_ call: Call) throws(SummaryWriterError) {
        try state.withLock { (state) throws(SummaryWriterError) in
            guard !state.closed else { throw .closed("RecordingWriter") }
            state.calls.append(call)
        }
    }
}
