import TensorCore

/// One step of image preprocessing or augmentation, applied to each example as it is produced.
///
/// Random steps draw only from `random`, the example's own Philox stream (see `SampleContext`),
/// so an example's augmentation depends on (seed, epoch, index) and not on which worker thread
/// produces it or in what order. Deterministic steps ignore `random`.
public protocol ImageTransform: Sendable {
    /// The transformed image.
    func apply(to image: FloatImage, random: inout PhiloxStream) -> FloatImage
}
