import TensorCore

/// Maps pixel values linearly from one range to another:
/// `(x − inputLow) / (inputHigh − inputLow) · (outputHigh − outputLow) + outputLow`, in Float.
///
/// With the reference ranges (`0...255` → `[-1, 1]`) this computes `x / 255 · 2 − 1` with the same
/// Float operations as the reference's `ToTensor()` followed by `2x − 1`, so values are bit-identical.
/// Values outside the input range are not clamped.
public struct ScalePixels: ImageTransform, Hashable {
    /// The input range: `inputLow` maps to `outputLow`, `inputHigh` to `outputHigh`.
    public var inputLow: Float, inputHigh: Float
    /// The output range.
    public var outputLow: Float, outputHigh: Float

    /// A map from `input` to `output` (`0...255` to `-1...1` is ``referenceRange``).
    /// - Precondition: `inputLow != inputHigh`.
    public init(from input: ClosedRange<Float>, to output: ClosedRange<Float>) {
        precondition(input.lowerBound != input.upperBound, "ScalePixels: empty input range \(input)")
        inputLow = input.lowerBound; inputHigh = input.upperBound
        outputLow = output.lowerBound; outputHigh = output.upperBound
    }

    /// `0...255` to `[-1, 1]`, the reference's scaling.
    public static let referenceRange = ScalePixels(from: 0...255, to: -1...1)

    public func apply(to image: FloatImage, random: inout PhiloxStream) -> FloatImage {
        var out = image
        let inputSpan = inputHigh - inputLow, outputSpan = outputHigh - outputLow
        let (low, outLow) = (inputLow, outputLow)
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            for i in pixels.indices { pixels[i] = (pixels[i] - low) / inputSpan * outputSpan + outLow }
        }
        return out
    }
}
