import Foundation
import MNISTData
import TensorCore
import Data
import Testing

/// The test image of the Pillow fixture (same formula as Tools/python/fixtures/make_rotation_fixture.py).
func fixtureImage(height: Int, width: Int) -> FloatImage {
    var pixels: [Float] = []
    for y in 0..<height {
        for x in 0..<width {
            let value: Int = (x * 31 + y * 17 + (x * y) % 7) % 251 + 1
            pixels.append(Float(value))
        }
    }
    return FloatImage(height: height, width: width, pixels: pixels)
}

@Suite("Image transforms")
struct TransformTests {
    var noRandom = PhiloxStream(key: PhiloxKey(seed: 0))

    @Test("pad 2 turns 28×28 into 32×32 with the image centred and a border of the fill value")
    mutating func padGeometry() {
        let image = fixtureImage(height: 28, width: 28)
        let padded = PadImage(2).apply(to: image, random: &noRandom)
        #expect(padded.shape == [1, 32, 32])
        for row in 0..<32 {
            for column in 0..<32 {
                let inside = (2..<30).contains(row) && (2..<30).contains(column)
                let expected = inside ? image[0, row - 2, column - 2] : 0
                #expect(padded[0, row, column] == expected, "(\(row), \(column))")
            }
        }
    }

    @Test("uneven padding and a non-zero fill, on two channels")
    mutating func unevenPadding() {
        var image = FloatImage(channels: 2, height: 2, width: 3, repeating: 0)
        for i in image.pixels.indices { image.pixels[i] = Float(i + 1) }
        let padded = PadImage(left: 1, top: 0, right: 2, bottom: 3, fill: -7).apply(to: image, random: &noRandom)
        #expect(padded.shape == [2, 5, 6])
        for channel in 0..<2 {
            for row in 0..<5 {
                for column in 0..<6 {
                    let inside = row < 2 && (1..<4).contains(column)
                    let expected = inside ? image[channel, row, column - 1] : -7
                    #expect(padded[channel, row, column] == expected)
                }
            }
        }
    }

    @Test("scaling maps 0…255 to [-1, 1] with exactly the reference's Float operations")
    mutating func scaling() {
        let all = FloatImage(height: 16, width: 16, pixels: (0..<256).map(Float.init))
        let scaled = ScalePixels.referenceRange.apply(to: all, random: &noRandom)
        // The reference: ToTensor divides by 255 in float32, then Lambda computes 2x − 1.
        for value in 0..<256 {
            let reference: Float = 2 * (Float(value) / 255) - 1
            #expect(scaled.pixels[value] == reference, "pixel value \(value)")
        }
        #expect(scaled.pixels.first == -1)
        #expect(scaled.pixels.last == 1)
        #expect(scaled.pixels.allSatisfy { (-1...1).contains($0) })
        // A general range: 10…20 onto 0…100.
        let general = ScalePixels(from: 10...20, to: 0...100).apply(
            to: FloatImage(height: 1, width: 3, pixels: [10, 15, 20]), random: &noRandom)
        #expect(general.pixels == [0, 50, 100])
    }

    @Test("rotating by 0, 360 or −720 degrees leaves the image unchanged")
    func rotationIdentity() {
        let image = fixtureImage(height: 13, width: 20)
        for degrees in [0.0, 360, -720] {
            #expect(RotateImage.rotate(image, degrees: degrees, fill: 0) == image)
        }
    }

    @Test("a 90° rotation turns a known image counter-clockwise; four of them are the identity")
    func quarterTurn() {
        let image = FloatImage(
            height: 3, width: 3,
            pixels: [
                1, 2, 3,
                4, 5, 6,
                7, 8, 9,
            ])
        let turned = RotateImage.rotate(image, degrees: 90, fill: 0)
        #expect(
            turned.pixels == [
                3, 6, 9,
                2, 5, 8,
                1, 4, 7,
            ])
        #expect(
            RotateImage.rotate(image, degrees: -90, fill: 0).pixels == [
                7, 4, 1,
                8, 5, 2,
                9, 6, 3,
            ])
        #expect(RotateImage.rotate(image, degrees: 180, fill: 0).pixels == [9, 8, 7, 6, 5, 4, 3, 2, 1])
        var full = fixtureImage(height: 32, width: 32)
        for _ in 0..<4 { full = RotateImage.rotate(full, degrees: 90, fill: 0) }
        #expect(full == fixtureImage(height: 32, width: 32))
    }

    @Test("matches Pillow's nearest-neighbour rotation pixel for pixel", arguments: pillowRotationCases.indices)
    func matchesPillow(caseIndex: Int) throws {
        let testCase = pillowRotationCases[caseIndex]
        let expected = try #require(Data(base64Encoded: testCase.expectedBase64)).map(Float.init)
        let rotated = RotateImage.rotate(
            fixtureImage(height: testCase.height, width: testCase.width),
            degrees: testCase.degrees, fill: 0)
        let mismatches = zip(rotated.pixels, expected).filter { $0 != $1 }.count
        #expect(mismatches == 0, "\(testCase.height)×\(testCase.width) by \(testCase.degrees)°")
        #expect(rotated.pixels.count == expected.count)
    }

    @Test("uncovered corners get the fill value; a constant image stays constant inside")
    func fill() {
        let image = FloatImage(height: 32, width: 32, repeating: 200)
        let rotated = RotateImage.rotate(image, degrees: 30, fill: -3)
        #expect(rotated[0, 0, 0] == -3)
        #expect(rotated[0, 31, 31] == -3)
        #expect(rotated[0, 16, 16] == 200)
        #expect(Set(rotated.pixels) == [200, -3])
    }

    @Test("channels are rotated alike")
    func channels() {
        let plane = fixtureImage(height: 20, width: 20)
        let twoPlanes = FloatImage(channels: 2, height: 20, width: 20, pixels: plane.pixels + plane.pixels.map { $0 + 1000 })
        let rotated = RotateImage.rotate(twoPlanes, degrees: 17, fill: 0)
        let single = RotateImage.rotate(plane, degrees: 17, fill: 0)
        #expect(Array(rotated.pixels[0..<400]) == single.pixels)
        #expect(
            Array(rotated.pixels[400..<800])
                == RotateImage.rotate(
                    FloatImage(height: 20, width: 20, pixels: plane.pixels.map { $0 + 1000 }), degrees: 17, fill: 0
                ).pixels)
    }

    @Test("random rotation: angles uniform in ±5°, deterministic per (seed, epoch, index)")
    func randomRotation() {
        let rotation = RandomRotation(degrees: 5)
        var angles: [Double] = []
        for index in 0..<2000 {
            var random = SampleContext(seed: 42, epoch: 0, index: index).random
            angles.append(rotation.drawAngle(&random))
        }
        #expect(angles.allSatisfy { (-5...5).contains($0) })
        let mean = angles.reduce(0, +) / Double(angles.count)
        #expect(abs(mean) < 0.2)  // standard error of the mean is 5/√(3·2000) ≈ 0.065
        #expect(angles.filter { $0 < -2.5 }.count > 400 && angles.filter { $0 > 2.5 }.count > 400)

        let image = fixtureImage(height: 32, width: 32)
        func rotated(seed: UInt64, epoch: Int, index: Int) -> FloatImage {
            var random = SampleContext(seed: seed, epoch: epoch, index: index).random
            return rotation.apply(to: image, random: &random)
        }
        #expect(rotated(seed: 1, epoch: 3, index: 7) == rotated(seed: 1, epoch: 3, index: 7))
        let variants = Set((0..<10).map { rotated(seed: 1, epoch: $0, index: 7).pixels })
        #expect(variants.count > 5)
        // The drawn angle is what is applied.
        var random = SampleContext(seed: 1, epoch: 3, index: 7).random
        let angle = rotation.drawAngle(&random)
        #expect(rotated(seed: 1, epoch: 3, index: 7) == RotateImage.rotate(image, degrees: angle, fill: 0))
    }

    @Test("the reference pipeline is pad → rotate → scale, so uncovered corners are −1 like the border")
    func referenceOrder() {
        let image = FloatImage(height: 28, width: 28, repeating: 255)
        var random = SampleContext(seed: 9, epoch: 0, index: 0).random
        let out = ImagePipeline.reference(augment: true).apply(to: image, random: &random)
        #expect(out.shape == [1, 32, 32])
        #expect(Set(out.pixels) == [-1, 1])
        var again = SampleContext(seed: 9, epoch: 0, index: 0).random
        let angle = RandomRotation(degrees: 5).drawAngle(&again)
        var unused = PhiloxStream(key: PhiloxKey(seed: 0))
        let manual = ScalePixels.referenceRange.apply(
            to: RotateImage.rotate(PadImage(2).apply(to: image, random: &unused), degrees: angle, fill: 0), random: &unused)
        #expect(out == manual)
    }
}
