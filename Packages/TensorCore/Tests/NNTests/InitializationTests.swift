import Testing
import TensorCore
import NN

/// Checks that `values` look like independent draws from U(−bound, bound).
///
/// Tolerances: for n draws from U(−b, b) the sample mean has standard deviation b/√(3n), and the
/// sample mean of x² (whose expectation is b²/3) has standard deviation √(4/45)·b²/√n, because
/// Var(x²) = E[x⁴] − E[x²]² = b⁴/5 − b⁴/9. Both are checked within 5 standard deviations, which a
/// correct initialiser fails with probability below 1e-6. The largest |x| must be within the bound
/// and above b·(1 − 20/n) (the chance that all n draws avoid the outer 10/n of each side is e⁻²⁰).
func expectUniform(_ values: [Float], bound: Float, sourceLocation: SourceLocation = #_sourceLocation) {
    let n = Double(values.count)
    let b = Double(bound)
    let mean = values.reduce(0.0) { $0 + Double($1) } / n
    let meanSquare = values.reduce(0.0) { $0 + Double($1) * Double($1) } / n
    let largest = Double(values.map { Swift.abs($0) }.max() ?? 0)
    #expect(
        Swift.abs(mean) <= 5 * b / (3 * n).squareRoot(),
        "mean \(mean) too far from 0 for U(±\(b)), n = \(n)", sourceLocation: sourceLocation)
    #expect(
        Swift.abs(meanSquare - b * b / 3) <= 5 * (4.0 / 45).squareRoot() * b * b / n.squareRoot(),
        "mean square \(meanSquare) too far from b²/3 = \(b * b / 3)", sourceLocation: sourceLocation)
    #expect(largest < b, "a value \(largest) reaches the bound \(b)", sourceLocation: sourceLocation)
    #expect(
        largest > b * (1 - 20 / n), "largest |value| \(largest) is far below the bound \(b)",
        sourceLocation: sourceLocation)
}

@Suite struct InitializationTests {
    @Test func fansFollowPyTorch() {
        #expect(Initialization.fans(ofWeightShape: [512, 1024]) == (1024, 512))
        #expect(Initialization.fans(ofWeightShape: [32, 16, 3, 3]) == (144, 288))
        // ConvTranspose2d's weight [in, out, kh, kw]: fan_in from dimension 1 (checked in PyTorch: 288 for 64→32, k3).
        #expect(Initialization.fans(ofWeightShape: [64, 32, 3, 3]) == (288, 576))
        #expect(tensorError { _ = Initialization.fans(ofWeightShape: [3]) } != nil)
    }

    @Test func kaimingBoundWithASqrt5IsOneOverSqrtFanIn() {
        // gain = √(2 / (1 + 5)), bound = gain · √3 / √fan_in = 1/√fan_in.
        for fanIn in [1, 9, 144, 1024] {
            let expected = 1 / Float(fanIn).squareRoot()
            #expect(Swift.abs(Initialization.kaimingUniformBound(fanIn: fanIn) - expected) <= 1e-7)
            #expect(Initialization.biasBound(fanIn: fanIn) == expected)
        }
        // a = 0 (plain ReLU gain √2): bound √6/√fan_in.
        #expect(Swift.abs(Initialization.kaimingUniformBound(fanIn: 6, a: 0) - 1) <= 1e-6)
    }

    @Test func linearWeightsAndBiasesAreUniformWithPyTorchBounds() {
        let layer = Linear(1024, 512, generator: RandomGenerator(seed: 11))
        expectUniform(layer.weight.value.scalars, bound: 1 / 32)
        expectUniform(layer.bias!.value.scalars, bound: 1 / 32)
    }

    @Test func convolutionBoundsUseTheRightFanIn() {
        let conv = Conv2d(16, 32, kernelSize: 3, generator: RandomGenerator(seed: 12))
        expectUniform(conv.weight.value.scalars, bound: 1 / 12)  // fan_in = 16·9
        expectUniform(conv.bias!.value.scalars, bound: 1 / 12)
        let transposed = ConvTranspose2d(
            64, 32, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1,
            generator: RandomGenerator(seed: 13))
        let bound = 1 / Float(32 * 9).squareRoot()  // fan_in = out·9, as PyTorch
        expectUniform(transposed.weight.value.scalars, bound: bound)
        // 32 biases: only the bound is a meaningful check at this size.
        #expect(transposed.bias!.value.scalars.allSatisfy { Swift.abs($0) < bound })
        #expect(transposed.bias!.value.scalars.contains { Swift.abs($0) > bound / 2 })
    }

    @Test func initialisationIsReproducibleFromTheGenerator() {
        let a = Linear(8, 4, generator: RandomGenerator(seed: 5))
        let b = Linear(8, 4, generator: RandomGenerator(seed: 5))
        let c = Linear(8, 4, generator: RandomGenerator(seed: 6))
        #expect(a.weight.value.scalars == b.weight.value.scalars)
        #expect(a.bias!.value.scalars == b.bias!.value.scalars)
        #expect(a.weight.value.scalars != c.weight.value.scalars)
        // Weight and bias come from consecutive draws, so they differ from each other.
        #expect(Array(a.weight.value.scalars.prefix(4)) != a.bias!.value.scalars)
    }

    @Test func theDefaultGeneratorIsUsedWhenNoneIsGiven() {
        let generator = RandomGenerator.default
        let saved = generator.snapshot
        let first = Linear(3, 2)
        generator.snapshot = saved
        let replay = Linear(3, 2)
        #expect(first.weight.value.scalars == replay.weight.value.scalars)
    }
}

@Suite struct DeviceCreationTests {
    @Test func layersCreatedOnTheCPUDeviceMatchTheDefaultInitialisers() throws {
        let linear = Linear(6, 3, generator: RandomGenerator(seed: 40), device: .cpu)
        #expect(linear.weight.value.scalars == Linear(6, 3, generator: RandomGenerator(seed: 40)).weight.value.scalars)
        let conv = Conv2d(2, 3, kernelSize: 3, padding: 1, generator: RandomGenerator(seed: 41), device: .cpu)
        #expect(
            conv.weight.value.scalars
                == Conv2d(2, 3, kernelSize: 3, padding: 1, generator: RandomGenerator(seed: 41)).weight.value.scalars)
        let transposed = ConvTranspose2d(3, 2, kernelSize: 3, stride: 2, generator: RandomGenerator(seed: 42), device: .cpu)
        #expect(
            transposed.bias!.value.scalars
                == ConvTranspose2d(3, 2, kernelSize: 3, stride: 2, generator: RandomGenerator(seed: 42)).bias!.value.scalars)
        #expect(BatchNorm2d(4, device: .cpu).device == .cpu)
    }

    /// Availability is checked where the device is chosen; a layer handed an unavailable device
    /// stops the process (a programmer error) naming the device and the check to make first.
    @Test func creationOnAnUnavailableDeviceIsRefused() async {
        guard !BackendRegistry.shared.isAvailable(.cuda(0)) else { return }
        #expect(throws: DeviceError.self) { try Device.cuda(0).checkAvailable() }
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Linear(2, 2, device: .cuda(0))
        }
        let stderr = result.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(stderr.contains("device cuda:0 unavailable"))
        #expect(stderr.contains("check it first with Device.checkAvailable()"))
        await #expect(processExitsWith: .failure) { _ = Conv2d(1, 1, kernelSize: 3, device: .cuda(0)) }
        await #expect(processExitsWith: .failure) { _ = ConvTranspose2d(1, 1, kernelSize: 3, device: .cuda(0)) }
        await #expect(processExitsWith: .failure) { _ = BatchNorm1d(2, device: .cuda(0)) }
    }
}
