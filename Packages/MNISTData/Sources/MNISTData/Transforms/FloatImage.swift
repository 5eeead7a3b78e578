/// A planar image of Float pixels, `[channels, height, width]` in row-major order — what image
/// transforms take and return.
///
/// Pixel values are in whatever unit the previous step left them: `0...255` straight from a
/// `UInt8` file, `[-1, 1]` after ``ScalePixels`` with the reference range.
public struct FloatImage: Sendable, Equatable {
    /// Number of planes (1 for grayscale).
    public var channels: Int
    /// Rows.
    public var height: Int
    /// Columns.
    public var width: Int
    /// `channels·height·width` values, plane after plane, each plane row after row.
    public var pixels: [Float]

    /// An image of `channels × height × width` pixels all set to `value`.
    public init(channels: Int = 1, height: Int, width: Int, repeating value: Float = 0) {
        self.init(
            channels: channels, height: height, width: width,
            pixels: [Float](repeating: value, count: channels * height * width))
    }

    /// An image from its pixels.
    /// - Precondition: sizes ≥ 0 and `pixels.count == channels·height·width`.
    public init(channels: Int = 1, height: Int, width: Int, pixels: [Float]) {
        precondition(
            channels >= 0 && height >= 0 && width >= 0 && pixels.count == channels * height * width,
            "FloatImage: \(pixels.count) pixels do not fill \(channels)×\(height)×\(width)")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// A one-channel image from `height·width` bytes (row-major), each converted to Float unchanged.
    public init(height: Int, width: Int, bytes: some Collection<UInt8>) {
        let converted =
            bytes.withContiguousStorageIfAvailable { source in
                [Float](unsafeUninitializedCapacity: source.count) { destination, initialized in
                    for i in 0..<source.count { destination[i] = Float(source[i]) }
                    initialized = source.count
                }
            } ?? bytes.map { Float($0) }
        self.init(channels: 1, height: height, width: width, pixels: converted)
    }

    /// The pixel at (`channel`, `row`, `column`).
    public subscript(channel: Int, row: Int, column: Int) -> Float {
        get { pixels[(channel * height + row) * width + column] }
        set { pixels[(channel * height + row) * width + column] = newValue }
    }

    /// The shape as a tensor would have it: `[channels, height, width]`.
    public var shape: [Int] { [channels, height, width] }
}
