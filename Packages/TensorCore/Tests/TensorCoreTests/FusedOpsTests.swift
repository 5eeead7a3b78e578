import Testing
@testable import TensorCore
import TensorCoreTesting

// The fused tensor operations (reluAfterAdding, matmul(_:adding:)) and the ReLU gradient against
// the compositions they replace and against finite differences, plus the Backend protocol's
// unfused default for backends without a fused kernel.

/// A backend that runs everything on the CPU kernels but has no fused binary-then-unary kernel of
/// its own, so it uses the Backend protocol's default (what a new backend gets).
private let unfusedCPUBackend = CPUForwardingBackend(name: "CPU without fused kernels (test)", device: .cpu)

/// `tensor`'s values as a leaf that requires gradients (on `backend`).
private func leaf(_ tensor: Tensor, on backend: any Backend = CPUBackend.shared) -> Tensor {
    var copy = Tensor(shape: tensor.shape, scalars: tensor.scalars, backend: backend)
    copy.requiresGrad = true
    return copy
}

@Suite struct FusedOpsTests {
    /// Shapes of `x` and the added operand: a conv bias, a linear bias, equal shapes, a scalar.
    static let shapes: [([Int], [Int])] = [([2, 3, 4, 5], [3, 1, 1]), ([6, 9], [9]), ([5, 7], [5, 7]), ([4, 3], [])]

    @Test(arguments: shapes)
    func reluAfterAddingEqualsAddThenReLU(xShape: [Int], bShape: [Int]) {
        let x = randomTensor(xShape, seed: 11)
        let b = randomTensor(bShape, seed: 12, in: -0.5, 0.5)
        let upstream = randomTensor(xShape, seed: 13)
        let (fusedX, fusedB, plainX, plainB) = (leaf(x), leaf(b), leaf(x), leaf(b))
        let fused = fusedX.reluAfterAdding(fusedB)
        let plain = (plainX + plainB).relu()
        #expect(fused.shape == plain.shape)
        #expect(fused.scalars.map(\.bitPattern) == plain.scalars.map(\.bitPattern))
        fused.backward(upstream)
        plain.backward(upstream)
        expectValues(fusedX.grad!, xShape, plainX.grad!.scalars, tolerance: 0, "d/dx")
        expectValues(fusedB.grad!, bShape, plainB.grad!.scalars, tolerance: 1e-6, "d/db")
    }

    @Test(arguments: [false, true])
    func aConvolutionsBiasAndReLUInItsOwnPassEqualTheSeparateOps(transposed: Bool) {
        // conv2d / convTranspose2d with the bias and a ReLU applied in the convolution's pass
        // (ConvEpilogue): the same bits as the convolution, the broadcast addition and the ReLU
        // run one after another, in the values and in the input and weight gradients, on the CPU
        // kernels and on a backend that takes the protocol's unfused default; the bias's gradient,
        // summed leaf by leaf beside the weight gradient, agrees to float rounding.
        let (channels, out) = (3, 4)
        let x = randomTensor([2, channels, 9, 9], seed: 41)
        let w = randomTensor(transposed ? [channels, out, 3, 3] : [out, channels, 3, 3], seed: 42)
        let b = randomTensor([out], seed: 43, in: -0.5, 0.5)
        func convolve(_ x: Tensor, _ w: Tensor, _ b: Tensor?, thenReLU: Bool) -> Tensor {
            transposed
                ? x.convTranspose2d(
                    weight: w, bias: b, stride: (2, 2), padding: (1, 1), outputPadding: (1, 1), dilation: (1, 1),
                    maskingInputGradient: false, thenReLU: thenReLU, reluGradientMaskedByConsumer: false)
                : x.conv2d(
                    weight: w, bias: b, stride: (2, 2), padding: (1, 1), dilation: (1, 1), maskingInputGradient: false,
                    thenReLU: thenReLU, reluGradientMaskedByConsumer: false)
        }
        func run(_ fused: Bool, on backend: any Backend) -> [[UInt32]] {
            let (lx, lw, lb) = (leaf(x, on: backend), leaf(w, on: backend), leaf(b, on: backend))
            let y =
                fused
                ? convolve(lx, lw, lb, thenReLU: true)
                : (convolve(lx, lw, nil, thenReLU: false) + lb.reshaped([1, out, 1, 1])).relu()
            (y * y).sum().backward()
            return [y, lx.grad!, lw.grad!, lb.grad!].map { $0.scalars.map(\.bitPattern) }
        }
        let separate = run(false, on: CPUBackend.shared)
        for (name, result) in [
            ("CPU", run(true, on: CPUBackend.shared)), ("unfused default", run(true, on: unfusedCPUBackend)),
        ] {
            let label = "\(transposed ? "convTranspose2d" : "conv2d"), \(name)"
            for (index, part) in ["values", "d/dx", "d/dw"].enumerated() {
                #expect(result[index] == separate[index], "\(label): \(part)")
            }
            let (got, expected) = (result[3].map(Float.init(bitPattern:)), separate[3].map(Float.init(bitPattern:)))
            let error = zip(got, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(error < 1e-5, "\(label): d/db, relative error \(error)")
        }
    }

    @Test func reluAfterAddingHasFiniteDifferenceGradients() {
        // |x| ≥ 0.2 and |b| ≤ 0.1 keep x + b away from the kink at 0.
        let x = awayFromZero([2, 3, 4, 5], seed: 21)
        let b = randomTensor([3, 1, 1], seed: 22, in: -0.1, 0.1)
        expectGradients([x, b], "reluAfterAdding, conv bias") { $0[0].reluAfterAdding($0[1]) }
        let rows = awayFromZero([4, 6], seed: 23)
        let bias = randomTensor([6], seed: 24, in: -0.1, 0.1)
        expectGradients([rows, bias], "reluAfterAdding, linear bias") { $0[0].reluAfterAdding($0[1]) }
    }

    @Test func reluAfterAddingOnABackendWithoutFusedKernelMatchesTheCPU() {
        let x = randomTensor([3, 4, 5, 6], seed: 31)
        let b = randomTensor([4, 1, 1], seed: 32)
        let backend = unfusedCPUBackend
        let (cpuX, cpuB) = (leaf(x), leaf(b))
        let (otherX, otherB) = (leaf(x, on: backend), leaf(b, on: backend))
        let cpu = cpuX.reluAfterAdding(cpuB)
        let other = otherX.reluAfterAdding(otherB)
        #expect(other.backend === backend)
        #expect(cpu.scalars.map(\.bitPattern) == other.scalars.map(\.bitPattern))
        cpu.sum().backward()
        other.sum().backward()
        #expect(cpuB.grad!.scalars == otherB.grad!.scalars)
    }

    /// A consumed input whose memory nothing else references becomes the result; an input that is
    /// still referenced is never written.
    @Test func reluAfterAddingReusesOnlyAnUnsharedInput() {
        let bias = Tensor([0.5, -0.5, 1])
        let values: [Float] = [-1, 0, 1, 2, -3, 4]
        let expected: [Float] = [0, 0, 2, 2.5, 0, 5]
        let fresh = Tensor(shape: [2, 3], scalars: values) * 1
        let freshBuffer = ObjectIdentifier(fresh.storage.buffer)
        let reused = (consume fresh).reluAfterAdding(bias)
        #expect(ObjectIdentifier(reused.storage.buffer) == freshBuffer)
        expectValues(reused, [2, 3], expected, tolerance: 0, "reused")
        let shared = Tensor(shape: [2, 3], scalars: values)
        let view = shared.reshaped([6])
        let copied = shared.reluAfterAdding(bias)
        #expect(ObjectIdentifier(copied.storage.buffer) != ObjectIdentifier(shared.storage.buffer))
        expectValues(copied, [2, 3], expected, tolerance: 0, "copied")
        #expect(shared.scalars == values && view.scalars == values)
        // A broadcast result larger than the input needs new memory.
        let row = Tensor([1, -2, 3]) * 1
        let widened = (consume row).reluAfterAdding(Tensor(shape: [2, 1], scalars: [0, 1]))
        expectValues(widened, [2, 3], [1, 0, 3, 2, 0, 4], tolerance: 0, "broadcast")
    }

    /// Anomaly detection ignores results that share an input's memory (views), so the input is not
    /// reused there: an overflow of the addition is still found.
    @Test func anomalyDetectionSeesAnOverflowOfAConsumedInput() {
        do {
            try withAnomalyDetection {
                let fresh = Tensor([3e38, 1]) * 1
                _ = (consume fresh).reluAfterAdding(Tensor([3e38, 0]))
            }
            Issue.record("expected a numerical anomaly")
        } catch let anomaly as NumericalAnomaly {
            #expect(anomaly.op == "reluAfterAdding" && anomaly.infinityCount == 1, "\(anomaly)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func reluAfterAddingReportsShapesThatDoNotBroadcast() {
        expectTensorFailure(op: "reluAfterAdding", mentioning: ["[2, 3]", "[4]"]) {
            Tensor.zeros([2, 3]).reluAfterAdding(Tensor.zeros([4]))
        }
    }

    /// ReLU passes the upstream gradient where the result is non-zero (x > 0, or NaN, as PyTorch
    /// does) and gives exactly 0 elsewhere, even for an infinite upstream gradient.
    @Test func reluGradientSelectsTheUpstreamGradient() {
        var x = Tensor([-1, 0, 2, .nan])
        x.requiresGrad = true
        x.relu().backward(Tensor([.infinity, .infinity, .infinity, .infinity]))
        let grad = x.grad!.scalars
        #expect(grad[0] == 0 && grad[1] == 0 && grad[2] == .infinity && grad[3] == .infinity)
    }

    @Test(arguments: [[7], [1, 7], [5, 7], []] as [[Int]])
    func matmulAddingEqualsMatmulThenAdd(addendShape: [Int]) {
        let a = randomTensor([5, 9], seed: 41)
        let w = randomTensor([7, 9], seed: 42)
        let addend = randomTensor(addendShape, seed: 43)
        let upstream = randomTensor([5, 7], seed: 44)
        let (fa, fw, fc) = (leaf(a), leaf(w), leaf(addend))
        let (pa, pw, pc) = (leaf(a), leaf(w), leaf(addend))
        let fused = fa.matmul(fw.transposed(0, 1), adding: fc)
        let plain = pa.matmul(pw.transposed(0, 1)) + pc
        expectValues(fused, [5, 7], plain.scalars, "values")
        fused.backward(upstream)
        plain.backward(upstream)
        expectValues(fa.grad!, [5, 9], pa.grad!.scalars, "d/da")
        expectValues(fw.grad!, [7, 9], pw.grad!.scalars, "d/dw")
        expectValues(fc.grad!, addendShape, pc.grad!.scalars, "d/daddend")
    }

    @Test func matmulAddingHasFiniteDifferenceGradients() {
        let inputs = [randomTensor([3, 4], seed: 51), randomTensor([4, 5], seed: 52), randomTensor([5], seed: 53)]
        expectGradients(inputs, "matmul(adding:)") { $0[0].matmul($0[1], adding: $0[2]) }
    }

    @Test func matmulAddingWithEmptyInnerDimensionIsTheAddend() {
        let product = Tensor.zeros([3, 0]).matmul(Tensor.zeros([0, 2]), adding: Tensor([1, 2]))
        expectValues(product, [3, 2], [1, 2, 1, 2, 1, 2], "k = 0")
    }

    @Test func matmulAddingReportsMisuse() {
        expectTensorFailure(op: "matmul(adding:)", mentioning: ["[2, 3]", "[4, 5]"]) {
            Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]), adding: Tensor.zeros([5]))
        }
        expectTensorFailure(op: "matmul(adding:)", mentioning: ["[3]", "[2, 5]"]) {
            Tensor.zeros([2, 4]).matmul(Tensor.zeros([4, 5]), adding: Tensor.zeros([3]))
        }
    }
}
