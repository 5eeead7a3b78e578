import TensorCore

/// Rotates each example by an angle drawn uniformly from `[minDegrees, maxDegrees]`
/// (torchvision's `RandomRotation(degrees)`), about the centre, keeping the size.
///
/// Interpolation nearest neighbour and fill 0, exactly as ``RotateImage`` (see there for why).
/// The angle is drawn from the example's Philox stream, so it depends only on (seed, epoch, index).
public struct RandomRotation: ImageTransform, Hashable {
    /// The range of angles, in degrees, counter-clockwise.
    public var minDegrees: Double, maxDegrees: Double
    /// Value of uncovered pixels, in the image's current units.
    public var fill: Float

    /// Angles uniform in `[-degrees, degrees]`.
    public init(degrees: Double, fill: Float = 0) {
        self.init(minDegrees: -abs(degrees), maxDegrees: abs(degrees), fill: fill)
    }

    /// Angles uniform in `[minDegrees, maxDegrees]`.
    /// - Precondition: `minDegrees ≤ maxDegrees`.
    public init(minDegrees: Double, maxDegrees: Double, fill: Float = 0) {
        precondition(minDegrees <= maxDegrees, "RandomRotation: empty angle range \(minDegrees)...\(maxDegrees)")
        self.minDegrees = minDegrees
        self.maxDegrees = maxDegrees
        self.fill = fill
    }

    /// The angle for the next example drawn from `random`: one 24-bit uniform scaled to the range.
    public func drawAngle(_ random: inout PhiloxStream) -> Double {
        minDegrees + (maxDegrees - minDegrees) * Double(random.nextUniform())
    }

    public func apply(to image: FloatImage, random: inout PhiloxStream) -> FloatImage {
        RotateImage.rotate(image, degrees: drawAngle(&random), fill: fill)
    }
}
