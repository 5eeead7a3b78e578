import TensorCore

/// Transforms applied one after another (torchvision's `Compose`).
public struct ImagePipeline: ImageTransform {
    /// The steps, first applied first.
    public var steps: [any ImageTransform]

    /// A pipeline applying `steps` in order.
    public init(_ steps: [any ImageTransform]) {
        self.steps = steps
    }

    public func apply(to image: FloatImage, random: inout PhiloxStream) -> FloatImage {
        var current = image
        for step in steps { current = step.apply(to: current, random: &random) }
        return current
    }
}

extension ImagePipeline {
    /// The reference preprocessing for MNIST-sized images: pad 2 on every side (28×28 → 32×32,
    /// fill 0), for training a random rotation in ±5° (nearest neighbour, fill 0 — see
    /// ``RandomRotation``), then scale `0...255` to `[-1, 1]`.
    ///
    /// This is torchvision's `Compose([Pad(2), RandomRotation(5), ToTensor(), Lambda(2x − 1)])`
    /// of the reference in that order: rotating before scaling makes the corners that the rotation
    /// uncovers black, i.e. −1 after scaling, the same value as the padding.
    ///
    /// - Parameters:
    ///   - augment: true for the training split (adds the rotation), false for the test split.
    ///   - padding: border added on each side, in pixels.
    ///   - degrees: maximal rotation angle in degrees; angles are uniform in `[-degrees, degrees]`.
    public static func reference(augment: Bool, padding: Int = 2, degrees: Double = 5) -> ImagePipeline {
        var steps: [any ImageTransform] = [PadImage(padding)]
        if augment { steps.append(RandomRotation(degrees: degrees)) }
        steps.append(ScalePixels.referenceRange)
        return ImagePipeline(steps)
    }
}
