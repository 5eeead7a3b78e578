import DeepTrustSystem
import TensorCore

/// Rotates the image by a fixed angle about its centre, keeping its size.
///
/// **Interpolation: nearest neighbour. Fill: 0.** These are the defaults of torchvision's
/// `RandomRotation`, which the reference applies to the PIL image, so this reproduces Pillow's
/// `Image.rotate(angle, resample=NEAREST, expand=False, fillcolor=fill)` pixel for pixel (checked
/// against Pillow in the tests): the inverse affine map is rounded to 16.16 fixed point and sampled at
/// pixel centres, angles of 0°, 180° and (for square images) 90°/270° are exact transposes, and
/// pixels whose source falls outside the image get `fill`. Nearest neighbour keeps the set of
/// pixel values (no blur of stroke edges) and is the reference's choice; bilinear interpolation
/// would change every rotated training image relative to the reference.
public struct RotateImage: ImageTransform, Hashable {
    /// Counter-clockwise angle in degrees (the image's y axis points down, as in Pillow).
    public var degrees: Double
    /// Value of pixels whose source lies outside the image, in the image's current units.
    public var fill: Float

    /// A rotation by `degrees` counter-clockwise, filling uncovered pixels with `fill`.
    public init(degrees: Double, fill: Float = 0) {
        self.degrees = degrees
        self.fill = fill
    }

    public func apply(to image: FloatImage, random: inout PhiloxStream) -> FloatImage {
        Self.rotate(image, degrees: degrees, fill: fill)
    }

    /// `image` rotated counter-clockwise by `degrees` about its centre, exactly as Pillow's
    /// nearest-neighbour `rotate` does for images of up to 2¹⁵ pixels per side.
    public static func rotate(_ image: FloatImage, degrees: Double, fill: Float) -> FloatImage {
        let (height, width) = (image.height, image.width)
        // Python's `angle % 360.0`: the result takes the divisor's sign.
        var angle = degrees.truncatingRemainder(dividingBy: 360)
        if angle < 0 { angle += 360 }
        if angle == 0 { return image }
        if angle == 180 { return remap(image, fill: fill) { row, column in (height - 1 - row, width - 1 - column) } }
        if height == width && angle == 90 { return remap(image, fill: fill) { row, column in (column, width - 1 - row) } }
        if height == width && angle == 270 { return remap(image, fill: fill) { row, column in (height - 1 - column, row) } }

        // Inverse map from output to input pixel, built as Pillow builds it (matrix entries
        // rounded to 15 decimals, rotation about (w/2, h/2)), then in 16.16 fixed point with the
        // half-pixel offset of Pillow's affine_fixed.
        let radians = -(angle * (Double.pi / 180))
        let a = roundedTo15Decimals(cos(radians)), b = roundedTo15Decimals(sin(radians))
        let d = roundedTo15Decimals(-sin(radians)), e = roundedTo15Decimals(cos(radians))
        let centerX = Double(width) / 2, centerY = Double(height) / 2
        let c = (a * -centerX + b * -centerY + 0.0) + centerX
        let f = (d * -centerX + e * -centerY + 0.0) + centerY
        let a0 = fixed(a), a1 = fixed(b), a3 = fixed(d), a4 = fixed(e)
        var rowX = fixed(c + a * 0.5 + b * 0.5), rowY = fixed(f + d * 0.5 + e * 0.5)

        let plane = height * width
        var out = FloatImage(channels: image.channels, height: height, width: width, repeating: fill)
        out.pixels.withUnsafeMutableBufferPointer { destinationBuffer in
            image.pixels.withUnsafeBufferPointer { sourceBuffer in
                guard let destination = destinationBuffer.baseAddress, let source = sourceBuffer.baseAddress else { return }
                for row in 0..<height {
                    var x = rowX, y = rowY
                    let outRow = destination + row * width
                    for column in 0..<width {
                        let sourceColumn = x >> 16, sourceRow = y >> 16
                        x &+= a0
                        y &+= a3
                        // One unsigned comparison per axis checks 0 ≤ value < size.
                        guard UInt(bitPattern: sourceColumn) < UInt(width), UInt(bitPattern: sourceRow) < UInt(height) else {
                            continue
                        }
                        let from = sourceRow &* width &+ sourceColumn
                        outRow[column] = source[from]
                        var channel = 1
                        while channel < image.channels {
                            outRow[channel &* plane &+ column] = source[channel &* plane &+ from]
                            channel &+= 1
                        }
                    }
                    rowX &+= a1
                    rowY &+= a4
                }
            }
        }
        return out
    }

    /// Builds the output by reading, for each output (row, column), the input pixel `source(row, column)`.
    private static func remap(_ image: FloatImage, fill: Float, source: (Int, Int) -> (Int, Int)) -> FloatImage {
        var out = FloatImage(channels: image.channels, height: image.height, width: image.width, repeating: fill)
        let plane = image.height * image.width
        for row in 0..<image.height {
            for column in 0..<image.width {
                let (sourceRow, sourceColumn) = source(row, column)
                for channel in 0..<image.channels {
                    out.pixels[channel * plane + row * image.width + column] =
                        image.pixels[channel * plane + sourceRow * image.width + sourceColumn]
                }
            }
        }
        return out
    }

    /// Pillow's `FIX(v)`: `floor(v · 65536 + 0.5)`, as an integer in 16.16 fixed point.
    private static func fixed(_ value: Double) -> Int { Int((value * 65536 + 0.5).rounded(.down)) }

    /// Python's `round(x, 15)`: the double nearest to `x` rounded to 15 decimals (ties to even),
    /// computed exactly: the product `x · 10¹⁵` is split into its rounded value and exact error
    /// (fused multiply-add), so the rounding decision sees the true product.
    static func roundedTo15Decimals(_ x: Double) -> Double {
        let scale = 1e15
        let product = x * scale
        guard product.isFinite, abs(product) < 0x1p52 else { return x }
        let error = (-product).addingProduct(x, scale)  // x·scale − product, exactly
        var rounded = product.rounded(.toNearestOrEven)
        let remainder = (product - rounded) + error  // exact: both terms are small
        if remainder > 0.5 || (remainder == 0.5 && rounded.truncatingRemainder(dividingBy: 2) != 0) {
            rounded += 1
        } else if remainder < -0.5 || (remainder == -0.5 && rounded.truncatingRemainder(dividingBy: 2) != 0) {
            rounded -= 1
        }
        return rounded / scale
    }
}
