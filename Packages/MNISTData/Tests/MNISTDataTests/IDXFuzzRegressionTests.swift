import MNISTData
import Testing

/// Inputs that crashed MNISTData under Tools/fuzz (each is also a seed in Tools/fuzz/corpus/idx/).
/// Each must be reported as an error, never trap.
@Suite struct IDXFuzzRegressionTests {
    /// An image file holding no image (count 0) whose height × width overflows: the header passed
    /// (0 bytes of pixels), then computing an image's size trapped.
    static let emptyImagesOfOverflowingSize: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 0, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]

    @Test func emptyImageFilesWhoseImageSizeOverflowsAreRejected() throws {
        let directory = try TemporaryDirectory()
        let images = try directory.write(Self.emptyImagesOfOverflowingSize, to: "images-idx3-ubyte")
        let labels = try directory.write([0, 0, 8, 1, 0, 0, 0, 0], to: "labels-idx1-ubyte")
        #expect(throws: IDXError.sizeOverflow(file: images, dimensions: [0, 0xf8ff_ffff, 0xffff_ffff])) {
            try LabeledImages.load(imagesPath: images, labelsPath: labels)
        }
    }

    @Test func imagesFromMemoryWhoseSizeOverflowsAreRejected() {
        #expect(throws: IDXError.sizeOverflow(file: "<memory>", dimensions: [0xf8ff_ffff, 0xffff_ffff])) {
            try LabeledImages(height: 0xf8ff_ffff, width: 0xffff_ffff, pixels: [], labels: [])
        }
    }

    @Test func largeButAddressableEmptySetsStillLoad() throws {
        let directory = try TemporaryDirectory()
        // 0 images of 65536 × 65536 pixels: the size fits, so this is a valid (empty) set.
        let images = try directory.write([0, 0, 8, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0], to: "images-idx3-ubyte")
        let labels = try directory.write([0, 0, 8, 1, 0, 0, 0, 0], to: "labels-idx1-ubyte")
        let set = try LabeledImages.load(imagesPath: images, labelsPath: labels)
        #expect(set.count == 0 && set.height == 65536 && set.width == 65536)
        #expect(try set.selecting([]).count == 0)
    }
}
