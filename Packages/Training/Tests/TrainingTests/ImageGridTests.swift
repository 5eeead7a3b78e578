import Testing
import TensorCore
import Training
import TrainingChecks

@Suite struct ImageGridTests {
    /// A batch [n, c, h, w] whose element (n, c, y, x) is `value(n, c, y, x)`.
    private func batch(_ n: Int, _ c: Int, _ h: Int, _ w: Int, _ value: (Int, Int, Int, Int) -> Float) -> Tensor {
        var scalars: [Float] = []
        for i in 0..<n { for ch in 0..<c { for y in 0..<h { for x in 0..<w { scalars.append(value(i, ch, y, x)) } } } }
        return Tensor(shape: [n, c, h, w], scalars: scalars)
    }

    @Test func mapsValuesLikeSaveImage() throws {
        let values: [Float] = [-1, 0, 1, -2, 2, .nan, -0.5, 0.999]
        let tensor = Tensor(shape: [1, 1, 1, values.count], scalars: values)
        let image = try ImageGrid.grid(tensor, padding: 0)
        // (v + 1) / 2 · 255 + 0.5, clamped to [0, 255], truncated; NaN → 0.
        #expect(image.pixels == [0, 128, 255, 0, 255, 0, 64, 255])
        let unit = try ImageGrid.grid(Tensor(shape: [1, 1, 1, 4], scalars: [0, 0.5, 1, 0.25]), padding: 0, range: .zeroToOne)
        #expect(unit.pixels == [0, 128, 255, 64])
    }

    @Test func tilesLikeMakeGrid() throws {
        // 5 images of 3×2, 3 per row, padding 2: width 3·(2+2)+2 = 14, height 2·(3+2)+2 = 12.
        let tensor = batch(5, 1, 3, 2) { n, _, y, x in Float(n * 10 + y * 2 + x) / 255 }
        let image = try ImageGrid.grid(tensor, imagesPerRow: 3, padding: 2, padValue: 200, range: .zeroToOne)
        #expect(image.width == 14)
        #expect(image.height == 12)
        #expect(image.format == .gray)
        for n in 0..<5 {
            let (top, left) = ((n / 3) * 5 + 2, (n % 3) * 4 + 2)
            for y in 0..<3 {
                for x in 0..<2 {
                    #expect(image[left + x, top + y] == UInt8(n * 10 + y * 2 + x), "image \(n) pixel (\(x), \(y))")
                }
            }
        }
        // Padding everywhere else, including the empty sixth cell.
        #expect(image[0, 0] == 200 && image[13, 11] == 200 && image[10, 7] == 200)
        let tilePixels = 5 * 6
        #expect(image.pixels.filter { $0 == 200 }.count == 14 * 12 - tilePixels)
    }

    @Test func fewerImagesThanARowShrinkTheGrid() throws {
        let image = try ImageGrid.grid(batch(2, 1, 4, 4) { _, _, _, _ in 0 }, imagesPerRow: 8, padding: 1)
        #expect(image.width == 2 * 5 + 1)
        #expect(image.height == 4 + 2)
    }

    @Test func threeChannelsMakeAnRGBImage() throws {
        let tensor = batch(1, 3, 2, 2) { _, c, y, x in Float(c * 100 + y * 10 + x) / 255 }
        let image = try ImageGrid.grid(tensor, padding: 0, range: .zeroToOne)
        #expect(image.format == .rgb)
        #expect(image.pixels == [0, 100, 200, 1, 101, 201, 10, 110, 210, 11, 111, 211])
    }

    @Test func pairsPutInputsBesideReconstructions() throws {
        let inputs = batch(3, 1, 2, 2) { n, _, y, x in Float(n * 20 + y * 2 + x) / 255 }
        let outputs = batch(3, 1, 2, 2) { n, _, y, x in Float(100 + n * 20 + y * 2 + x) / 255 }
        let image = try ImageGrid.pairs(
            inputs: inputs, reconstructions: outputs, pairsPerRow: 2, padding: 1, padValue: 255,
            range: .zeroToOne)
        // Cells of 4×2 (input | reconstruction): width 2·(4+1)+1 = 11, height 2·(2+1)+1 = 7.
        #expect(image.width == 11)
        #expect(image.height == 7)
        for n in 0..<3 {
            let (top, left) = ((n / 2) * 3 + 1, (n % 2) * 5 + 1)
            for y in 0..<2 {
                for x in 0..<2 {
                    #expect(image[left + x, top + y] == UInt8(n * 20 + y * 2 + x))
                    #expect(image[left + 2 + x, top + y] == UInt8(100 + n * 20 + y * 2 + x))
                }
            }
        }
    }

    @Test func singleImagesAndPairs() throws {
        let input = Tensor(shape: [1, 2, 2], scalars: [-1, 1, 1, -1])
        let output = Tensor(shape: [1, 2, 2], scalars: [1, 1, -1, -1])
        #expect(try ImageGrid.image(input).pixels == [0, 255, 255, 0])
        let pair = try ImageGrid.pair(input: input, reconstruction: output)
        #expect(pair.width == 4)
        #expect(pair.height == 2)
        #expect(pair.pixels == [0, 255, 255, 255, 255, 0, 0, 0])
    }

    @Test func badShapesAndParametersAreNamed() {
        #expect(
            throws: ImageError.invalidShape(
                operation: "ImageGrid.grid", shape: [2, 2, 4, 4],
                expected: "[N, C, H, W] with N, H, W > 0 and C = 1 or 3")
        ) {
            try ImageGrid.grid(Tensor.zeros([2, 2, 4, 4]))
        }
        #expect(throws: ImageError.self) { try ImageGrid.grid(Tensor.zeros([0, 1, 4, 4])) }
        #expect(throws: ImageError.self) { try ImageGrid.grid(Tensor.zeros([4, 4])) }
        #expect(throws: ImageError.invalidParameter(operation: "ImageGrid.grid", "0 images per row; at least 1 is needed")) {
            try ImageGrid.grid(Tensor.zeros([1, 1, 2, 2]), imagesPerRow: 0)
        }
        #expect(throws: ImageError.self) { try ImageGrid.grid(Tensor.zeros([1, 1, 2, 2]), padding: -1) }
        #expect(throws: ImageError.self) {
            try ImageGrid.pairs(inputs: Tensor.zeros([2, 1, 4, 4]), reconstructions: Tensor.zeros([2, 1, 4, 3]))
        }
        #expect(throws: ImageError.self) { try ImageGrid.image(Tensor.zeros([1, 1, 2, 2])) }
        #expect(throws: ImageError.self) {
            try ImageGrid.pair(input: Tensor.zeros([1, 2, 2]), reconstruction: Tensor.zeros([1, 2, 3]))
        }
    }

    @Test func gridsEncodeAsPNG() throws {
        let image = try ImageGrid.grid(batch(16, 1, 32, 32) { n, _, y, x in Float((n * 7 + y * x) % 17) / 8 - 1 })
        let png = try PNGEncoder.encode(image)
        #expect(try PNGDecoder.decode(png.bytes) == image)
        #expect(png.width == 8 * 34 + 2)
        #expect(png.height == 2 * 34 + 2)
    }
}
