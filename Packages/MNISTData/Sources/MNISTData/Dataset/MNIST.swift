import Data
import TensorCore

/// MNIST, Fashion-MNIST or any IDX image/label set, as a ``Dataset`` of image tensors with labels.
///
/// The whole split is read once into memory (one contiguous `UInt8` buffer, see ``LabeledImages``);
/// ``example(at:context:)`` converts one image on demand, runs the ``transform`` and returns a
/// CPU tensor of shape `[1, H, W]` (`[1, 32, 32]` with the reference transforms) and the label.
/// The value is immutable, so any number of threads may read examples at once.
///
/// ```swift
/// let train = try MNIST(split: .train)                  // MNIST_DIR or ~/.cache/deeptrust/mnist
/// let first = try train.example(at: 0, context: SampleContext(seed: 0, epoch: 0, index: 0))
/// first.input.shape    // [1, 32, 32], values in [-1, 1]
/// ```
public struct MNIST: Dataset {
    /// Which half of a dataset: the training or the test images.
    public enum Split: String, Sendable, Hashable, CaseIterable {
        /// The training images (60,000 for MNIST), augmented by default.
        case train
        /// The test images (10,000 for MNIST), never augmented by default.
        case test
    }

    /// Which split this is (decides the default transform).
    public let split: Split
    /// The images and labels.
    public let data: LabeledImages
    /// Applied to every example (pixels arrive as Float values `0...255`).
    public let transform: any ImageTransform

    /// A split from images already in memory.
    /// - Parameter transform: defaults to ``ImagePipeline/reference(augment:padding:degrees:)`` with
    ///   augmentation for the training split only.
    public init(split: Split, data: LabeledImages, transform: (any ImageTransform)? = nil) {
        self.split = split
        self.data = data
        self.transform = transform ?? ImagePipeline.reference(augment: split == .train)
    }

    /// Loads a split from files on disk, without downloading.
    ///
    /// The directory is `directory` when given, else the collection's environment variable
    /// (`MNIST_DIR` for MNIST), else the per-user cache (see ``DataDirectory/resolve(for:explicit:environment:)``);
    /// each file may be raw or `.gz`. To download missing files use
    /// ``load(split:collection:directory:transform:fetcher:log:)``.
    ///
    /// - Throws: ``DatasetFilesError/missing(collection:directory:files:)`` (saying where to put which
    ///   files) or any ``IDXError`` of ``LabeledImages/load(imagesPath:labelsPath:imageSize:classCount:)``.
    public init(
        split: Split, collection: IDXCollection = .mnist, directory: String? = nil,
        transform: (any ImageTransform)? = nil
    ) throws {
        let location = DataDirectory.resolve(for: collection, explicit: directory)
        let paths = try collection.locateFiles(split: split, in: location)
        self.init(split: split, data: try Self.read(paths, collection: collection), transform: transform)
    }

    /// Loads a split, first downloading missing files through `fetcher` (see
    /// ``IDXCollection/locateFiles(split:in:fetcher:log:)`` for mirrors, checks and atomic writes).
    ///
    /// - Throws: ``DatasetFilesError`` when files are missing and cannot be downloaded or stored,
    ///   any ``IDXError`` of reading them.
    public static func load(
        split: Split, collection: IDXCollection = .mnist, directory: String? = nil,
        transform: (any ImageTransform)? = nil, fetcher: any DatasetFetcher,
        log: (@Sendable (String) -> Void)? = nil
    ) async throws -> MNIST {
        let location = DataDirectory.resolve(for: collection, explicit: directory)
        let paths = try await collection.locateFiles(split: split, in: location, fetcher: fetcher, log: log)
        return MNIST(split: split, data: try read(paths, collection: collection), transform: transform)
    }

    private static func read(_ paths: (images: String, labels: String), collection: IDXCollection) throws(IDXError)
        -> LabeledImages
    {
        let size = collection.imageHeight.flatMap { h in collection.imageWidth.map { w in (height: h, width: w) } }
        return try LabeledImages.load(
            imagesPath: paths.images, labelsPath: paths.labels,
            imageSize: size, classCount: collection.classCount)
    }

    /// Number of examples.
    public var count: Int { data.count }

    /// Example `index`: the transformed image as a `[channels, height, width]` CPU tensor and its
    /// label. Random transforms draw from `context.random`, so the result depends only on
    /// (seed, epoch, index).
    /// - Throws: ``SampleIndexError`` when `index` is outside `0..<count`.
    public func example(at index: Int, context: SampleContext) throws -> Example {
        guard index >= 0 && index < data.count else { throw SampleIndexError(index: index, count: data.count) }
        var random = context.random
        let image = transform.apply(to: rawImage(at: index), random: &random)
        return Example(input: Tensor(shape: image.shape, scalars: image.pixels), label: data.label(at: index))
    }

    /// The same images with another transform (no copy: the pixel buffer is shared), e.g. the
    /// training split without augmentation: `train.withTransform(ImagePipeline.reference(augment: false))`.
    public func withTransform(_ transform: any ImageTransform) -> MNIST {
        MNIST(split: split, data: data, transform: transform)
    }

    /// Image `index` before any transform: one channel, pixel values `0...255` as Float.
    public func rawImage(at index: Int) -> FloatImage {
        FloatImage(height: data.height, width: data.width, bytes: data.image(at: index))
    }
}
