@testable import CUDABackend
import TensorCore

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

    /// A contiguous tensor of `shape` holding `values` on this (unregistered) backend.
    func tensor(_ shape: [Int], _ values: [Float]) -> Tensor {
        Tensor(
            storage: TensorStorage(buffer: buffer(values), backend: backend), layout: StridedLayout(contiguous: shape))
    }

    func values(_ buffer: any DeviceBuffer, count: Int? = nil, offset: Int = 0) -> [Float] {
        let n = count ?? buffer.count
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { backend.download(buffer, offset: offset, into: $0) }
        return out
    }
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
