import Testing
@testable import TensorCore

// The fused binary-then-unary kernel (dt_binary_unary) against the two separate kernels it
// replaces: the same bits on every instruction-set path, for broadcast and strided operands, on
// odd sizes and on sizes large enough to be split over threads.

@Suite struct FusedKernelTests {
    static let paths = CPUBackend.supportedInstructionSets

    private static func buffer(_ values: [Float]) -> any DeviceBuffer {
        let b = CPUBackend.shared.allocate(count: values.count)
        values.withUnsafeBufferPointer { CPUBackend.shared.upload($0, to: b, offset: 0) }
        return b
    }

    private static func read(_ b: any DeviceBuffer, count: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        out.withUnsafeMutableBufferPointer { CPUBackend.shared.download(b, offset: 0, into: $0) }
        return out
    }

    /// `[rows, columns]` operand pairs: dense + dense, dense + a broadcast row (a bias), a
    /// transposed view + a broadcast column, and dense + a scalar.
    private static func layouts(rows: Int, columns: Int) -> [(a: StridedLayout, b: StridedLayout)] {
        let shape = [rows, columns]
        return [
            (StridedLayout(contiguous: shape), StridedLayout(contiguous: shape)),
            (StridedLayout(contiguous: shape), StridedLayout(shape: shape, strides: [0, 1])),
            (StridedLayout(shape: shape, strides: [1, rows]), StridedLayout(shape: shape, strides: [1, 0])),
            (StridedLayout(contiguous: shape), StridedLayout(shape: shape, strides: [0, 0])),
        ]
    }

    @Test(arguments: paths)
    func matchesBinaryThenUnaryBitForBit(path: CPUInstructionSet) {
        let pairs: [(BinaryOp, UnaryOp)] = [
            (.add, .relu), (.add, .tanh), (.mul, .exp), (.sub, .clamp(low: -0.5, high: 0.5)),
            (.maximum, .mulScalar(3)),
        ]
        for threads in [1, 2] {
            CPUBackend.withKernelSettings(instructionSet: path, threads: threads) {
                for (rows, columns) in [(1, 1), (1, 7), (3, 33), (7, 1000), (130, 1031)] {
                    let count = rows * columns
                    let a = Self.buffer(randomValues(count, seed: UInt64(count)))
                    let b = Self.buffer(randomValues(count, seed: UInt64(count) + 1))
                    for (aLayout, bLayout) in Self.layouts(rows: rows, columns: columns) {
                        for (op, post) in pairs {
                            let fused = CPUBackend.shared.allocate(count: count)
                            CPUBackend.shared.binary(op, a, aLayout, b, bLayout, then: post, into: fused)
                            let intermediate = CPUBackend.shared.allocate(count: count)
                            let separate = CPUBackend.shared.allocate(count: count)
                            CPUBackend.shared.binary(op, a, aLayout, b, bLayout, into: intermediate)
                            CPUBackend.shared.unary(
                                post, intermediate, StridedLayout(contiguous: [rows, columns]),
                                into: separate)
                            let (got, expected) = (Self.read(fused, count: count), Self.read(separate, count: count))
                            let bad = got.indices.first { got[$0].bitPattern != expected[$0].bitPattern }
                            let context = "\(op) then \(post), \(rows)×\(columns), \(aLayout) + \(bLayout)"
                            #expect(bad == nil, "\(context), \(threads) threads: element \(bad ?? 0)")
                        }
                    }
                }
            }
        }
    }
}
