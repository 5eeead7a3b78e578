/// A set of same-sized grayscale images with one integer label each, held in memory.
///
/// All pixels live in one contiguous `UInt8` buffer (image `i` occupies bytes
/// `i·height·width ..< (i+1)·height·width`, rows top to bottom), as read from an IDX image file
/// of shape `[count, height, width]`; labels come from an IDX label file of shape `[count]`.
/// The value is immutable and therefore safe to share between threads.
public struct LabeledImages: Sendable, Equatable {
    /// Number of images.
    public let count: Int
    /// Rows per image.
    public let height: Int
    /// Columns per image.
    public let width: Int
    /// All pixels, image after image, row-major, `count·height·width` bytes.
    public let pixels: [UInt8]
    /// One label per image.
    public let labels: [UInt8]

    /// Images and labels from memory.
    ///
    /// - Throws: ``IDXError/wrongDimensions(file:expected:found:)`` (file `"<memory>"`) when
    ///   `pixels.count` is not `count·height·width`, ``IDXError/sizeOverflow(file:dimensions:)`` when
    ///   `height·width` overflows, ``IDXError/countMismatch(imagesFile:images:labelsFile:labels:)``
    ///   when there is not one label per image.
    public init(height: Int, width: Int, pixels: [UInt8], labels: [UInt8]) throws(IDXError) {
        guard !height.multipliedReportingOverflow(by: width).overflow else {
            throw .sizeOverflow(file: "<memory>", dimensions: [height, width])
        }
        guard height > 0, width > 0, pixels.count % (height * width) == 0 else {
            throw .wrongDimensions(
                file: "<memory>", expected: "a multiple of \(height)×\(width) pixels",
                found: [pixels.count])
        }
        let count = pixels.count / (height * width)
        guard labels.count == count else {
            throw .countMismatch(imagesFile: "<memory>", images: count, labelsFile: "<memory>", labels: labels.count)
        }
        self.init(validatedCount: count, height: height, width: width, pixels: pixels, labels: labels)
    }

    private init(validatedCount count: Int, height: Int, width: Int, pixels: [UInt8], labels: [UInt8]) {
        self.count = count
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    /// Reads an IDX image file and its label file (each raw or gzip-compressed) and checks that
    /// they belong together.
    ///
    /// - Parameters:
    ///   - imagesPath: IDX file of element type uint8 and shape `[count, height, width]`.
    ///   - labelsPath: IDX file of element type uint8 and shape `[count]`.
    ///   - imageSize: the `(height, width)` every image must have, or nil to accept any.
    ///   - classCount: when given, every label must lie in `0..<classCount`.
    /// - Throws: ``IDXError`` naming the file: any reading error of ``IDXArray/read(path:)``, a wrong
    ///   element type, rank or image size, zero-sized images, an image size that overflows, a count
    ///   mismatch between the files, or a label out of range.
    public static func load(
        imagesPath: String, labelsPath: String,
        imageSize: (height: Int, width: Int)? = nil,
        classCount: Int? = nil
    ) throws(IDXError) -> LabeledImages {
        let images = try IDXArray.read(path: imagesPath, elementType: .uint8, rank: 3)
        try images.validate(elementType: .uint8, rank: 3, file: imagesPath)
        let (count, height, width) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        if let size = imageSize, size != (height, width) {
            throw .wrongDimensions(file: imagesPath, expected: "*×\(size.height)×\(size.width)", found: images.dimensions)
        }
        guard height > 0, width > 0 else {
            throw .wrongDimensions(file: imagesPath, expected: "*×(≥1)×(≥1)", found: images.dimensions)
        }
        // A file of 0 images passes the reader's size check whatever the image size; the size of
        // one image must still be addressable (found by Tools/fuzz).
        guard !height.multipliedReportingOverflow(by: width).overflow else {
            throw .sizeOverflow(file: imagesPath, dimensions: images.dimensions)
        }
        let labels = try IDXArray.read(path: labelsPath, elementType: .uint8, rank: 1)
        try labels.validate(elementType: .uint8, rank: 1, file: labelsPath)
        guard labels.dimensions[0] == count else {
            throw .countMismatch(imagesFile: imagesPath, images: count, labelsFile: labelsPath, labels: labels.dimensions[0])
        }
        if let classCount, let bad = labels.bytes.firstIndex(where: { Int($0) >= classCount }) {
            throw .labelOutOfRange(file: labelsPath, index: bad, label: Int(labels.bytes[bad]), classCount: classCount)
        }
        return LabeledImages(
            validatedCount: count, height: height, width: width,
            pixels: images.bytes, labels: labels.bytes)
    }

    /// The label of image `index` (`0..<count`).
    public func label(at index: Int) -> Int { Int(labels[index]) }

    /// The pixels of image `index` (`0..<count`), `height·width` bytes, row-major.
    public func image(at index: Int) -> ArraySlice<UInt8> {
        let size = height * width
        return pixels[index * size..<(index + 1) * size]
    }

    /// A new set holding the images at `indices`, in that order (repeats allowed), copied into a
    /// fresh contiguous buffer — a small standalone set (e.g. for a fast test) that does not keep
    /// the full split alive. For a view that keeps each example's augmentation, use `Subset`.
    /// - Throws: ``SampleIndexError`` for an index outside `0..<count`.
    public func selecting(_ indices: some Sequence<Int>) throws(SampleIndexError) -> LabeledImages {
        let size = height * width
        var newPixels: [UInt8] = []
        var newLabels: [UInt8] = []
        for index in indices {
            guard index >= 0 && index < count else { throw SampleIndexError(index: index, count: count) }
            newPixels += pixels[index * size..<(index + 1) * size]
            newLabels.append(labels[index])
        }
        return LabeledImages(
            validatedCount: newLabels.count, height: height, width: width,
            pixels: newPixels, labels: newLabels)
    }

    /// The first `n` images (all of them when `n ≥ count`), copied like ``selecting(_:)``.
    public func prefix(_ n: Int) -> LabeledImages {
        let kept = max(0, min(n, count))
        return LabeledImages(
            validatedCount: kept, height: height, width: width,
            pixels: Array(pixels.prefix(kept * height * width)), labels: Array(labels.prefix(kept)))
    }
}
