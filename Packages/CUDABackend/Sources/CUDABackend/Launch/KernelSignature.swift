/// The C type of one kernel parameter.
enum KernelParameterKind: Hashable, Sendable, CustomStringConvertible {
    /// A device pointer (`float*`), 8 bytes.
    case pointer
    case u32, u64, f32
    /// A struct passed by value.
    case block(ParameterBlockLayout)

    var size: Int {
        switch self {
        case .pointer, .u64: return 8
        case .u32, .f32: return 4
        case .block(let layout): return layout.size
        }
    }

    var alignment: Int {
        switch self {
        case .pointer, .u64: return 8
        case .u32, .f32: return 4
        case .block(let layout): return layout.alignment
        }
    }

    var description: String {
        switch self {
        case .pointer: return "pointer"
        case .u32: return "u32"
        case .u64: return "u64"
        case .f32: return "f32"
        case .block(let layout): return layout.name
        }
    }
}

/// Name and parameter types of one `extern "C"` kernel of Kernels/*.cu.
struct KernelSignature: Hashable, Sendable {
    let name: String
    let parameters: [KernelParameterKind]
}

/// Every kernel the Swift side launches, with its parameters exactly as declared in Kernels/.
/// The tests compare this table with the `.entry` declarations of the generated PTX.
enum Kernels {
    static let fill = KernelSignature(name: "dt_fill", parameters: [.pointer, .u32, .f32])
    static let copy = KernelSignature(name: "dt_copy", parameters: [.block(.geometry), .pointer, .pointer])
    static let unary = KernelSignature(
        name: "dt_unary",
        parameters: [.block(.geometry), .pointer, .pointer, .u32, .f32, .f32])
    static let binary = KernelSignature(
        name: "dt_binary",
        parameters: [.block(.geometry), .pointer, .pointer, .pointer, .u32])
    static let select = KernelSignature(
        name: "dt_select",
        parameters: [.block(.geometry), .pointer, .pointer, .pointer, .pointer])
    static let reduceRows = KernelSignature(name: "dt_reduce_rows", parameters: [.pointer, .pointer, .u32, .u32, .u32])
    static let reduceColumns = KernelSignature(
        name: "dt_reduce_columns",
        parameters: [.pointer, .pointer, .u32, .u32, .u32, .u32])
    static let gemm = KernelSignature(name: "dt_gemm", parameters: [.block(.gemm), .pointer, .pointer, .pointer])
    static let im2col = KernelSignature(name: "dt_im2col", parameters: [.block(.conv), .pointer, .pointer])
    static let col2im = KernelSignature(name: "dt_col2im", parameters: [.block(.conv), .pointer, .pointer])
    static let philoxFill = KernelSignature(
        name: "dt_philox_fill",
        parameters: [.pointer, .u32, .u64, .u64, .u64, .u32, .f32, .f32])
    static let adam = KernelSignature(
        name: "dt_adam",
        parameters: [.block(.adam), .pointer, .pointer, .pointer, .pointer, .u32])

    static let all: [KernelSignature] = [
        fill, copy, unary, binary, select, reduceRows, reduceColumns, gemm,
        im2col, col2im, philoxFill, adam,
    ]
}
