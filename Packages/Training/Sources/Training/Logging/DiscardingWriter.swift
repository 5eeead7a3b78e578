/// A ``SummaryWriter`` that drops every call: for processes that must not log (the ranks other
/// than 0 of a data-parallel run) and for benchmarks that time training, not logging.
///
/// Unlike a file writer it never throws, not even after ``close()``.
public struct DiscardingWriter: SummaryWriter {
    /// A writer that keeps nothing.
    public init() {}

    /// Drops the scalar.
    public func scalar(tag: String, value: Float, step: Int) {}
    /// Drops the image.
    public func image(tag: String, png: EncodedPNG, step: Int) {}
    /// Drops the image without encoding it.
    public func image(tag: String, pixels: PixelImage, step: Int) {}
    /// Nothing to flush.
    public func flush() {}
    /// Nothing to release.
    public func close() {}
}
