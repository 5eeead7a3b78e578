import Testing
@testable import TensorCore

// Shared by the Ops*Tests: reproducible inputs, comparisons and the gradient-check expectation.

/// A CPU tensor of `shape` with reproducible values in [low, high).
func randomTensor(_ shape: [Int], seed: UInt64, in low: Float = -2, _ high: Float = 2) -> Tensor {
    Tensor(shape: shape, scalars: randomValues(shape.reduce(1, *), seed: seed, in: low, high))
}

/// Reproducible values with magnitudes in [0.2, 2] and random signs: at least 0.2 away from the
/// kinks of relu, abs and sign, which finite differences cannot straddle.
func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    let magnitudes = randomValues(shape.reduce(1, *), seed: seed, in: 0.2, 2)
    let signs = randomValues(shape.reduce(1, *), seed: seed &+ 7_919, in: -1, 1)
    return Tensor(shape: shape, scalars: zip(magnitudes, signs).map { $1 < 0 ? -$0 : $0 })
}

/// Expects `tensor` to have `shape` and values within `tolerance` (relative to max(1, |expected|)).
func expectValues(_ tensor: Tensor, _ shape: [Int], _ expected: [Float], tolerance: Float = 1e-5,
                  _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(tensor.shape == shape, "\(label): shape \(tensor.shape), expected \(shape)", sourceLocation: sourceLocation)
    let got = tensor.scalars
    guard got.count == expected.count else {
        Issue.record("\(label): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let bad = got.indices.first { i in
        !(got[i].isNaN && expected[i].isNaN)
            && !(Swift.abs(got[i] - expected[i]) <= tolerance * Swift.max(1, Swift.abs(expected[i])))
    }
    #expect(bad == nil, "\(label): element \(bad ?? 0) is \(bad.map { got[$0] } ?? 0), expected \(bad.map { expected[$0] } ?? 0)",
            sourceLocation: sourceLocation)
}

/// Expects the autodiff gradients of `function` at `inputs` to match central differences.
func expectGradients(_ inputs: [Tensor], _ label: String, options: GradientCheckOptions = .init(),
                     sourceLocation: SourceLocation = #_sourceLocation, _ function: ([Tensor]) -> Tensor) {
    let result = checkGradients(at: inputs, options: options, function)
    #expect(result.passed, "\(label): \(result)", sourceLocation: sourceLocation)
    #expect(result.checkedElements > 0, "\(label): nothing was checked", sourceLocation: sourceLocation)
}

/// Expects `body` to fail inside a checking scope with an error of `op` whose message contains
/// every string of `mentions` (typically the shapes involved).
func expectTensorFailure(op: String, mentioning mentions: [String], sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () -> Tensor) {
    do {
        let placeholder = try withTensorChecking { body() }
        Issue.record("expected \(op) to fail, got \(placeholder)", sourceLocation: sourceLocation)
    } catch let error as TensorError {
        #expect(error.op == op, "\(error)", sourceLocation: sourceLocation)
        for text in mentions {
            #expect(error.description.contains(text), "'\(text)' missing from: \(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// A second "device" for mixed-device checks: the CPU backend's memory and kernels under another
/// device name, so tensors on it compute normally.
final class OtherDeviceBackend: Backend {
    static let shared = OtherDeviceBackend()
    let cpu = CPUBackend.shared
    var device: Device { .cuda(5) }
    var name: String { "test device" }
    func allocate(count: Int) -> any DeviceBuffer { cpu.allocate(count: count) }
    func upload(_ source: UnsafeBufferPointer<Float>, to buffer: any DeviceBuffer, offset: Int) {
        cpu.upload(source, to: buffer, offset: offset)
    }
    func download(_ buffer: any DeviceBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        cpu.download(buffer, offset: offset, into: destination)
    }
    func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float) {
        cpu.fill(buffer, offset: offset, count: count, value: value)
    }
    func copy(_ source: any DeviceBuffer, _ sourceLayout: StridedLayout, to destination: any DeviceBuffer,
              _ destinationLayout: StridedLayout) {
        cpu.copy(source, sourceLayout, to: destination, destinationLayout)
    }
    func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer) {
        cpu.unary(op, x, xLayout, into: out)
    }
    func binary(_ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout, _ b: any DeviceBuffer,
                _ bLayout: StridedLayout, into out: any DeviceBuffer) {
        cpu.binary(op, a, aLayout, b, bLayout, into: out)
    }
    func select(_ condition: any DeviceBuffer, _ conditionLayout: StridedLayout, _ a: any DeviceBuffer,
                _ aLayout: StridedLayout, _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer) {
        cpu.select(condition, conditionLayout, a, aLayout, b, bLayout, into: out)
    }
    func reduce(_ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner: Int,
                into out: any DeviceBuffer) {
        cpu.reduce(op, x, offset: offset, outer: outer, extent: extent, inner: inner, into: out)
    }
    func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) {
        cpu.gemm(descriptor, a: a, b: b, c: c)
    }
    func conv2dForward(_ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
                       into output: any DeviceBuffer) {
        cpu.conv2dForward(geometry, input: input, weight: weight, into: output)
    }
    func conv2dBackwardInput(_ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
                             into gradInput: any DeviceBuffer) {
        cpu.conv2dBackwardInput(geometry, gradOutput: gradOutput, weight: weight, into: gradInput)
    }
    func conv2dBackwardWeight(_ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
                              into gradWeight: any DeviceBuffer) {
        cpu.conv2dBackwardWeight(geometry, input: input, gradOutput: gradOutput, into: gradWeight)
    }
    func fillRandom(_ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution, key: PhiloxKey,
                    counter: UInt64) {
        cpu.fillRandom(buffer, count: count, distribution: distribution, key: key, counter: counter)
    }
    func adamStep(parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
                  secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters) {
        cpu.adamStep(parameter: parameter, gradient: gradient, firstMoment: firstMoment, secondMoment: secondMoment,
                     count: count, hyper: hyper)
    }
    func synchronize() {}
}

/// `values` on the test's second device.
func onOtherDevice(_ shape: [Int], _ values: [Float]) -> Tensor {
    Tensor(shape: shape, scalars: values, backend: OtherDeviceBackend.shared)
}
