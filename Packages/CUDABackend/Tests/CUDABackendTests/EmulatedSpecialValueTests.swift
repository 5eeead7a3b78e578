@testable import CUDABackend
import TensorCore
import Testing

/// The elementwise kernels against the CPU backend at the special values where formulas part
/// ways: ±∞, NaN, ±0, subnormals and the ends of exp's range. The differential suite checks only
/// the values PyTorch's own float32 answer gets right; here the CPU is the reference, so the GPU
/// keeps the CPU's deliberate choices too (sigmoid's subnormal eˣ below −88.7, x^−0.5 = 1 / √x).
@Suite struct EmulatedSpecialValueTests {
    let device: EmulatedDevice
    init() throws { device = try EmulatedDevice() }

    static let inputs: [Float] = [
        -.infinity, -1e30, -104, -103, -100, -95, -90, -88.8, -88.7, -20, -1, -0.5, -Float.leastNormalMagnitude / 3, -0.0,
        0, Float.leastNonzeroMagnitude, 0.5, 1, 20, 88.7, 88.8, 90, 100, 1e30, .infinity, .nan,
    ]

    static let ops: [UnaryOp] = [
        .neg, .exp, .log, .sqrt, .abs, .relu, .tanh, .sigmoid, .softplus, .sign, .reciprocalScaled(2),
        .powScalar(3), .powScalar(2), .powScalar(1.5), .powScalar(1), .powScalar(0.5), .powScalar(-0.5),
        .powScalar(-1), .powScalar(-2), .clamp(low: -0.5, high: 0.75), .greaterThanScalar(0.25),
    ]

    /// Equal, both NaN, or within 8 units in the last place of the larger (so a subnormal against
    /// zero differs, as does a value against an infinity).
    static func agrees(_ got: Float, _ expected: Float) -> Bool {
        if got.isNaN || expected.isNaN { return got.isNaN && expected.isNaN }
        if got == expected { return true }
        if got.isInfinite || expected.isInfinite { return false }
        return Swift.abs(got - expected) <= 8 * Swift.max(got.ulp, expected.ulp)
    }

    @Test(arguments: ops)
    func unaryMatchesTheCPU(_ op: UnaryOp) {
        let cpu = CPUBackend.shared
        let layout = StridedLayout(contiguous: [Self.inputs.count])
        let cpuIn = cpu.allocate(count: Self.inputs.count), cpuOut = cpu.allocate(count: Self.inputs.count)
        Self.inputs.withUnsafeBufferPointer { cpu.upload($0, to: cpuIn, offset: 0) }
        cpu.unary(op, cpuIn, layout, into: cpuOut)
        var expected = [Float](repeating: 0, count: Self.inputs.count)
        expected.withUnsafeMutableBufferPointer { cpu.download(cpuOut, offset: 0, into: $0) }
        let out = device.backend.allocate(count: Self.inputs.count)
        device.backend.unary(op, device.buffer(Self.inputs), layout, into: out)
        for (x, (got, want)) in zip(Self.inputs, zip(device.values(out), expected)) {
            #expect(Self.agrees(got, want), "\(op) of \(x): \(got) on the GPU, \(want) on the CPU")
        }
    }
}
