@testable import CUDABackend
import DeepTrustSystem
import Testing
import TensorCore
@testable import TestKit
import Synchronization
import Dispatch
// Foundation only for Thread, to get a thread that has never touched the driver.
import Foundation

/// Every primitive of the backend, run end to end through the emulating driver: the Swift side
/// packs arguments and launches, the real kernel source computes on the CPU, and the result is
/// compared with a plain reference. Odd sizes make partial blocks and tiles.
@Suite struct EmulatedOperationTests {
    let device: EmulatedDevice
    init() throws { device = try EmulatedDevice() }

    @Test func uploadFillAndDownload() {
        let buffer = device.buffer([1, 2, 3, 4, 5, 6, 7])
        device.backend.fill(buffer, offset: 2, count: 3, value: -1.5)
        #expect(device.values(buffer) == [1, 2, -1.5, -1.5, -1.5, 6, 7])
        #expect(device.values(buffer, count: 2, offset: 5) == [6, 7])
        #expect(device.driver.launches.last?.kernel == "dt_fill")
    }

    @Test func stridedCopy() {
        var values = DeterministicValues(seed: 1)
        let source = values.array(40)
        let buffer = device.buffer(source)
        // A transposed, offset view of a [5, 7] block inside 40 elements.
        let view = StridedLayout(shape: [7, 5], strides: [1, 7], offset: 3)
        let out = device.backend.allocate(count: 35)
        device.driver.clearLaunches()
        device.backend.copy(buffer, view, to: out, StridedLayout(contiguous: [7, 5]))
        #expect(device.values(out) == elementOffsets(view).map { source[$0] })
        #expect(device.driver.launches.map(\.kernel) == ["dt_copy"])
        // Dense to dense becomes a device-to-device copy (no kernel).
        device.driver.clearLaunches()
        let dense = device.backend.allocate(count: 10)
        device.backend.copy(buffer, StridedLayout(contiguous: [2, 5], offset: 30), to: dense, StridedLayout(contiguous: [2, 5]))
        #expect(device.values(dense) == Array(source[30..<40]))
        #expect(device.driver.launches.isEmpty)
    }

    static func unaryReference(_ op: UnaryOp, _ x: Float) -> Float {
        switch op {
        case .neg: return -x
        case .exp: return expf(x)
        case .log: return logf(x)
        case .sqrt: return x.squareRoot()
        case .abs: return Swift.abs(x)
        case .relu: return x < 0 ? 0 : x
        case .tanh: return tanhf(x)
        case .sigmoid: return 1 / (1 + expf(-x))
        case .softplus: return logf(1 + expf(x))
        case .sign: return x > 0 ? 1 : (x < 0 ? -1 : x)
        case .addScalar(let c): return x + c
        case .mulScalar(let c): return x * c
        case .reciprocalScaled(let c): return c / x
        case .powScalar(let p): return powf(x, p)
        case .clamp(let low, let high): return Swift.min(Swift.max(x, low), high)
        case .greaterThanScalar(let c): return x > c ? 1 : 0
        }
    }

    @Test(arguments: BackendConformanceCheck.unaryOps)
    func unary(_ op: UnaryOp) {
        var values = DeterministicValues(seed: 2)
        var input = values.array(257, in: -3...3)
        input[0] = 0
        input[1] = .nan
        if case .log = op { input = input.map { Swift.abs($0) + 0.01 } }
        if case .sqrt = op { input = input.map { Swift.abs($0) } }
        // A [257] view read backwards through a stride of -1 is not expressible; use a strided view instead.
        let buffer = device.buffer(input + input)
        let layout = StridedLayout(shape: [257], strides: [2], offset: 1)
        let out = device.backend.allocate(count: 257)
        device.backend.unary(op, buffer, layout, into: out)
        let source = elementOffsets(layout).map { (input + input)[$0] }
        let expected = source.map { Self.unaryReference(op, $0) }
        #expect(maxRelativeError(device.values(out), expected) < 1e-5, "\(op)")
    }

    static func binaryReference(_ op: BinaryOp, _ a: Float, _ b: Float) -> Float {
        switch op {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .pow: return powf(a, b)
        case .maximum: return a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .minimum: return a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        case .equal: return a == b ? 1 : 0
        case .notEqual: return a != b ? 1 : 0
        case .less: return a < b ? 1 : 0
        case .lessEqual: return a <= b ? 1 : 0
        case .greater: return a > b ? 1 : 0
        case .greaterEqual: return a >= b ? 1 : 0
        }
    }

    @Test(arguments: BackendConformanceCheck.binaryOps)
    func binaryWithBroadcast(_ op: BinaryOp) {
        var values = DeterministicValues(seed: 3)
        // a: [5, 1, 7] broadcast to [5, 3, 7]; b: [3, 1] broadcast (leading dim added) to [5, 3, 7].
        var a = values.array(35, in: 0.5...2)
        var b = values.array(3, in: 0.5...2)
        a[4] = b[0]  // equal elements for the comparisons
        a[9] = .nan
        b[2] = a[0]
        let aLayout = StridedLayout(shape: [5, 3, 7], strides: [7, 0, 1])
        let bLayout = StridedLayout(shape: [5, 3, 7], strides: [0, 1, 0])
        let out = device.backend.allocate(count: 105)
        device.backend.binary(op, device.buffer(a), aLayout, device.buffer(b), bLayout, into: out)
        let expected = zip(elementOffsets(aLayout), elementOffsets(bLayout)).map { Self.binaryReference(op, a[$0], b[$1]) }
        #expect(maxRelativeError(device.values(out), expected) < 1e-5, "\(op)")
    }

    @Test func select() {
        var values = DeterministicValues(seed: 4)
        let condition: [Float] = [1, 0, -2, 0, .nan, 0]
        let a = values.array(6), b = values.array(2)
        let out = device.backend.allocate(count: 6)
        let dense = StridedLayout(contiguous: [3, 2])
        device.backend.select(
            device.buffer(condition), dense, device.buffer(a), dense,
            device.buffer(b), StridedLayout(shape: [3, 2], strides: [0, 1]), into: out)
        #expect(device.values(out) == [a[0], b[1], a[2], b[1], a[4], b[1]])
    }

    @Test(arguments: [ReduceOp.sum, .max, .min, .argmax, .argmin])
    func reduce(_ op: ReduceOp) {
        var values = DeterministicValues(seed: 5)
        for (outer, extent, inner) in [(3, 1000, 1), (2, 5, 3), (1, 1, 1), (4, 1, 6), (1, 300, 2)] {
            var x = values.array(outer * extent * inner).map { ($0 * 4).rounded() / 4 }  // many ties
            if outer * extent * inner > 20 { x[17] = .nan }
            let offset = 3
            let buffer = device.buffer([9, 9, 9] + x)
            let out = device.backend.allocate(count: outer * inner)
            device.backend.reduce(op, buffer, offset: offset, outer: outer, extent: extent, inner: inner, into: out)
            let expected = Reference.reduce(op, x, outer: outer, extent: extent, inner: inner)
            #expect(maxRelativeError(device.values(out), expected) < 1e-6, "\(op) [\(outer), \(extent), \(inner)]")
        }
    }

    @Test(arguments: BackendConformanceCheck.gemmCases.filter { $0.m * $0.n * $0.k * $0.batch < 200_000 })
    func gemmKernel(_ d: GemmDescriptor) {
        let (a, b, c) = BackendConformanceCheck.gemmInputs(d)
        let cBuffer = device.buffer(c)
        device.backend.gemm(d, a: device.buffer(a), b: device.buffer(b), c: cBuffer)
        let expected = Reference.gemm(d, a: a, b: b, c: c)
        #expect(maxRelativeError(device.values(cBuffer), expected) < 1e-5)
    }

    @Test func gemmWithBetaZeroIgnoresGarbageInC() {
        let d = GemmDescriptor(m: 3, n: 2, k: 4)
        let (a, b, _) = BackendConformanceCheck.gemmInputs(d)
        let c = device.backend.allocate(count: 6)  // the emulated driver fills fresh memory with NaN
        device.backend.gemm(d, a: device.buffer(a), b: device.buffer(b), c: c)
        #expect(device.values(c).allSatisfy { !$0.isNaN })
        #expect(maxRelativeError(device.values(c), Reference.gemm(d, a: a, b: b, c: [Float](repeating: 0, count: 6))) < 1e-5)
    }

    @Test(arguments: BackendConformanceCheck.convCases.filter { $0.batch < 8 })
    func convolution(_ g: ConvGeometry) {
        var values = DeterministicValues(seed: UInt64(g.height * 31 + g.width))
        let input = values.array(g.inputShape.reduce(1, *))
        let weight = values.array(g.weightShape.reduce(1, *))
        let gradOutput = values.array(g.outputShape.reduce(1, *))
        let output = device.backend.allocate(count: gradOutput.count)
        device.backend.conv2dForward(g, input: device.buffer(input), weight: device.buffer(weight), into: output)
        #expect(maxRelativeError(device.values(output), Reference.convForward(g, input: input, weight: weight)) < 1e-5)
        let gradInput = device.backend.allocate(count: input.count)
        device.backend.conv2dBackwardInput(
            g, gradOutput: device.buffer(gradOutput), weight: device.buffer(weight), into: gradInput)
        #expect(
            maxRelativeError(device.values(gradInput), Reference.convBackwardInput(g, gradOutput: gradOutput, weight: weight))
                < 1e-5)
        let gradWeight = device.backend.allocate(count: weight.count)
        device.backend.conv2dBackwardWeight(
            g, input: device.buffer(input), gradOutput: device.buffer(gradOutput), into: gradWeight)
        #expect(
            maxRelativeError(device.values(gradWeight), Reference.convBackwardWeight(g, input: input, gradOutput: gradOutput))
                < 1e-5)
    }

    @Test func uniformFillMatchesTheCPUNumberingBitForBit() {
        let key = PhiloxKey(seed: 0x1234_5678_9ABC, stream: 7)
        let count = 1027
        let buffer = device.backend.allocate(count: count)
        device.backend.fillRandom(buffer, count: count, distribution: .uniform(low: -1, high: 3), key: key, counter: 5)
        var stream = PhiloxStream(key: key, counter: 5)
        let expected = (0..<count).map { _ in -1 + 4 * (Float(stream.nextUInt32() >> 8) * 0x1p-24) }
        #expect(device.values(buffer) == expected)
    }

    @Test func normalFillUsesBoxMullerOnWordPairs() {
        let key = PhiloxKey(seed: 42, stream: 1)
        let count = 13
        let buffer = device.backend.allocate(count: count)
        device.backend.fillRandom(buffer, count: count, distribution: .normal(mean: 0.5, std: 2), key: key, counter: 9)
        var expected: [Float] = []
        for block in 0..<4 {
            let w = PhiloxStream.block(key: key, counter: 9 + UInt64(block))
            for (w0, w1) in [(w.0, w.1), (w.2, w.3)] {
                let u1: Double = Double((w0 >> 8) + 1) * 0x1p-24
                let u2: Double = Double(w1 >> 8) * 0x1p-24
                let r: Double = (-2 * log(u1)).squareRoot()
                let theta: Double = 6.283185307179586 * u2
                let n0: Double = 0.5 + 2 * (r * cos(theta))
                let n1: Double = 0.5 + 2 * (r * sin(theta))
                expected += [Float(n0), Float(n1)]
            }
        }
        #expect(device.values(buffer) == Array(expected.prefix(count)))
    }

    @Test(arguments: [false, true])
    func adamStep(decoupled: Bool) {
        var values = DeterministicValues(seed: 6)
        let count = 300
        let (p, g, m) = (values.array(count), values.array(count), values.array(count, in: -0.1...0.1))
        let v = values.array(count, in: 0...0.01)
        let hyper = AdamHyperparameters(learningRate: 1e-3, weightDecay: 0.01, decoupledWeightDecay: decoupled, step: 4)
        let buffers = [p, g, m, v].map { device.buffer($0) }
        device.backend.adamStep(
            parameter: buffers[0], gradient: buffers[1], firstMoment: buffers[2],
            secondMoment: buffers[3], count: count, hyper: hyper)
        var (ep, em, ev) = (p, m, v)
        for i in 0..<count {
            var gi = g[i], pi = p[i]
            if hyper.gradientWeightDecay != 0 { gi = gi + hyper.gradientWeightDecay * pi }
            if hyper.decoupledDecayFactor != 1 { pi = pi * hyper.decoupledDecayFactor }
            em[i] = m[i] + hyper.beta1Complement * (gi - m[i])
            ev[i] = v[i] * hyper.beta2 + hyper.beta2Complement * (gi * gi)
            ep[i] = pi - hyper.stepSize * (em[i] / (ev[i].squareRoot() / hyper.biasCorrection2Sqrt + hyper.epsilon))
        }
        #expect(device.values(buffers[0]) == ep)
        #expect(device.values(buffers[2]) == em)
        #expect(device.values(buffers[3]) == ev)
    }

    /// A fresh thread has no current context; the backend must set it before touching the driver
    /// (the emulated driver fails every memory call without one, as the real driver does).
    @Test func operationsOnANewThreadMakeTheContextCurrentThere() {
        let (backend, driver) = (device.backend, device.driver)
        let done = DispatchSemaphore(value: 0)
        let results = Mutex<(before: CUDAHandle?, after: CUDAHandle?, values: [Float])>((nil, nil, []))
        let thread = Thread {
            let before = try? driver.currentContext()
            let buffer = backend.allocate(count: 3)
            backend.fill(buffer, offset: 0, count: 3, value: 2)
            var out = [Float](repeating: 0, count: 3)
            out.withUnsafeMutableBufferPointer { backend.download(buffer, offset: 0, into: $0) }
            let after = try? driver.currentContext()
            results.withLock { $0 = (before, after, out) }
            done.signal()
        }
        thread.start()
        done.wait()
        let (before, after, values) = results.withLock { $0 }
        #expect(before == nil)
        #expect(after == EmulatedCUDADriver.context)
        #expect(values == [2, 2, 2])
    }
}
