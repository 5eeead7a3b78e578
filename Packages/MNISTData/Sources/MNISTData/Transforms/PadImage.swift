import TensorCore

/// Adds a constant border around the image (torchvision's `Pad` with `padding_mode="constant"`).
public struct PadImage: ImageTransform, Hashable {
    /// Pixels added on each side.
    public var left: Int, top: Int, right: Int, bottom: Int
    /// Value of the added pixels, in the image's current units (0 = black for `0...255` pixels).
    public var fill: Float

    /// The same border of `padding` pixels on all four sides.
    /// - Precondition: `padding ≥ 0`.
    public init(_ padding: Int, fill: Float = 0) {
        self.init(left: padding, top: padding, right: padding, bottom: padding, fill: fill)
    }

    /// Separate borders per side.
    /// - Precondition: every amount is ≥ 0.
    public init(left: Int, top: Int, right: Int, bottom: Int, fill: Float = 0) {
        precondition(
            left >= 0 && top >= 0 && right >= 0 && bottom >= 0,
            "PadImage: padding must not be negative (left \(left), top \(top), right \(right), bottom \(bottom))")
        self.left = left; self.top = top; self.right = right; self.bottom = bottom
        self.fill = fill
    }

    public func apply(to image: FloatImage, random: inout PhiloxStream) -> FloatImage {
        let newHeight = image.height + top + bottom
        let newWidth = image.width + left + right
        var out = FloatImage(channels: image.channels, height: newHeight, width: newWidth, repeating: fill)
        out.pixels.withUnsafeMutableBufferPointer { destination in
            image.pixels.withUnsafeBufferPointer { source in
                guard let to = destination.baseAddress, let from = source.baseAddress else { return }
                for channel in 0..<image.channels {
                    for row in 0..<image.height {
                        (to + (channel * newHeight + row + top) * newWidth + left)
                            .update(from: from + (channel * image.height + row) * image.width, count: image.width)
                    }
                }
            }
        }
        return out
    }
}
