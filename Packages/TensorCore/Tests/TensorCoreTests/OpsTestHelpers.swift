import Testing
@testable import TensorCore
import TensorCoreTesting

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
func expectValues(
    _ tensor: Tensor, _ shape: [Int], _ expected: [Float], tolerance: Float = 1e-5,
    _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
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
    #expect(
        bad == nil, "\(label): element \(bad ?? 0) is \(bad.map { got[$0] } ?? 0), expected \(bad.map { expected[$0] } ?? 0)",
        sourceLocation: sourceLocation)
}

/// Expects the autodiff gradients of `function` at `inputs` to match central differences.
func expectGradients(
    _ inputs: [Tensor], _ label: String, options: GradientCheckOptions = .init(),
    sourceLocation: SourceLocation = #_sourceLocation, _ function: ([Tensor]) -> Tensor
) {
    let result = checkGradients(at: inputs, options: options, function)
    #expect(result.passed, "\(label): \(result)", sourceLocation: sourceLocation)
    #expect(result.checkedElements > 0, "\(label): nothing was checked", sourceLocation: sourceLocation)
}

/// Expects `body` to fail inside a checking scope with an error of `op` whose message contains
/// every string of `mentions` (typically the shapes involved).
func expectTensorFailure(
    op: String, mentioning mentions: [String], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () -> Tensor
) {
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
let otherDeviceBackend = CPUForwardingBackend(name: "test device", device: .cuda(5))

/// `values` on the test's second device.
func onOtherDevice(_ shape: [Int], _ values: [Float]) -> Tensor {
    Tensor(shape: shape, scalars: values, backend: otherDeviceBackend)
}
