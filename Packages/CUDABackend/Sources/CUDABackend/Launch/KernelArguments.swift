/// One argument value of a kernel launch.
enum KernelArgument: Hashable, Sendable {
    case pointer(CUDADevicePointer)
    case u32(UInt32)
    case u64(UInt64)
    case f32(Float)
    case block(ParameterBlock)

    var kind: KernelParameterKind {
        switch self {
        case .pointer: return .pointer
        case .u32: return .u32
        case .u64: return .u64
        case .f32: return .f32
        case .block(let block): return .block(block.layout)
        }
    }

    /// A `u32` argument from an `Int` that the caller has checked to fit.
    static func count(_ value: Int) -> KernelArgument {
        precondition(value >= 0 && value <= Int(UInt32.max), "kernel argument \(value) does not fit in 32 bits")
        return .u32(UInt32(value))
    }
}

/// The `void** kernelParams` array of `cuLaunchKernel`: every argument is copied at its natural
/// alignment into one buffer, and entry `i` points at argument `i`.
struct PackedKernelArguments {
    /// Byte offset of each argument in the buffer.
    let offsets: [Int]
    /// Total bytes of the buffer.
    let byteCount: Int
    private let arguments: [KernelArgument]

    /// Checks `arguments` against `signature` (a mismatch is a programming error) and lays them out.
    init(_ arguments: [KernelArgument], for signature: KernelSignature) {
        precondition(
            arguments.count == signature.parameters.count,
            "\(signature.name): \(arguments.count) arguments for \(signature.parameters.count) parameters")
        var offsets: [Int] = []
        var end = 0
        for (index, (argument, parameter)) in zip(arguments, signature.parameters).enumerated() {
            precondition(
                argument.kind == parameter,
                "\(signature.name): argument \(index) is \(argument.kind), the kernel expects \(parameter)")
            let offset = (end + parameter.alignment - 1) / parameter.alignment * parameter.alignment
            offsets.append(offset)
            end = offset + parameter.size
        }
        self.offsets = offsets
        self.byteCount = end
        self.arguments = arguments
    }

    /// Calls `body` with the parameter array; the pointers are valid only inside `body`.
    func withParameterArray<R, E: Error>(_ body: (UnsafeMutablePointer<UnsafeMutableRawPointer?>) throws(E) -> R) throws(E) -> R {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
        let array = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(arguments.count, 1))
        defer {
            storage.deallocate()
            array.deallocate()
        }
        for (index, argument) in arguments.enumerated() {
            let slot = storage + offsets[index]
            switch argument {
            case .pointer(let value): slot.storeBytes(of: value, as: UInt64.self)
            case .u32(let value): slot.storeBytes(of: value, as: UInt32.self)
            case .u64(let value): slot.storeBytes(of: value, as: UInt64.self)
            case .f32(let value): slot.storeBytes(of: value, as: Float.self)
            case .block(let block): block.bytes.withUnsafeBytes { slot.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            array[index] = slot
        }
        return try body(array)
    }
}
