@testable import CUDABackend
import TensorCore

/// Deterministic test values from a small linear congruential generator.
struct TestValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next(in range: ClosedRange<Float> = -2...2) -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let unit = Float(state >> 40) / Float(1 << 24)
        return range.lowerBound + (range.upperBound - range.lowerBound) * unit
    }

    mutating func array(_ count: Int, in range: ClosedRange<Float> = -2...2) -> [Float] {
        (0..<count).map { _ in next(in: range) }
    }
}

/// A backend over the emulating driver, with helpers to move arrays in and out.
struct EmulatedDevice {
    let driver: EmulatedCUDADriver
    let backend: CUDADeviceBackend

    init(_ configuration: EmulatedCUDADriver.Configuration = .init(), blas: (any CUBLASAPI)? = nil) throws {
        driver = EmulatedCUDADriver(configuration)
        backend = try CUDADeviceBackend.make(ordinal: 0, driver: driver, blas: blas)
    }

    func buffer(_ values: [Float]) -> any DeviceBuffer {
        let buffer = backend.allocate(count: values.count)
        values.withUnsafeBufferPointer { backend.upload($0, to: buffer, offset: 0) }
        return buffer
    }

    func values(_ buffer: any DeviceBuffer, count: Int? = nil, offset: Int = 0) -> [Float] {
        let n = count ?? buffer.count
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { backend.download(buffer, offset: offset, into: $0) }
        return out
    }
}

/// Largest |a − b| / max(1, |b|) over two arrays (NaNs must match), or ∞ when lengths differ.
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        if x.isNaN || y.isNaN {
            if x.isNaN != y.isNaN { return .infinity }
            continue
        }
        if x == y { continue }
        worst = max(worst, abs(x - y) / max(1, abs(y)))
    }
    return worst
}

/// Element offsets of a strided layout in row-major index order.
func elementOffsets(_ layout: StridedLayout) -> [Int] {
    var result: [Int] = []
    let count = layout.count
    result.reserveCapacity(count)
    for linear in 0..<count {
        var rest = linear, offset = layout.offset
        for d in stride(from: layout.rank - 1, through: 0, by: -1) {
            offset += (rest % layout.shape[d]) * layout.strides[d]
            rest /= layout.shape[d]
        }
        result.append(offset)
    }
    return result
}
