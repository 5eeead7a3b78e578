/// Size, alignment and name of a struct that a kernel takes by value (see Kernels/*.cu).
struct ParameterBlockLayout: Hashable, Sendable {
    let name: String
    let size: Int
    let alignment: Int

    /// `DTGeometry`: i64 strides[4][8], i64 offsets[4], u32 shape[8], u32 rank, u32 count.
    static let geometry = ParameterBlockLayout(name: "DTGeometry", size: 328, alignment: 8)
    /// `DTGemm`: i64 lda, ldb, ldc, batchStrideA/B/C; u32 m, n, k, batch, transposeA, transposeB; f32 alpha, beta.
    static let gemm = ParameterBlockLayout(name: "DTGemm", size: 80, alignment: 8)
    /// `DTConv`: sixteen u32 (batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH,
    /// strideW, padH, padW, dilationH, dilationW, outHeight, outWidth, reserved).
    static let conv = ParameterBlockLayout(name: "DTConv", size: 64, alignment: 4)
    /// `DTAdam`: f32 beta2, beta1Complement, beta2Complement, epsilon, gradientWeightDecay,
    /// decoupledDecayFactor, stepSize, biasCorrection2Sqrt.
    static let adam = ParameterBlockLayout(name: "DTAdam", size: 32, alignment: 4)
}

/// The bytes of one by-value struct argument, written field by field at the C offsets.
struct ParameterBlock: Hashable, Sendable {
    let layout: ParameterBlockLayout
    private(set) var bytes: [UInt8]

    init(_ layout: ParameterBlockLayout) {
        self.layout = layout
        bytes = [UInt8](repeating: 0, count: layout.size)
    }

    private mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(
            offset >= 0 && offset + MemoryLayout<T>.size <= bytes.count && offset % MemoryLayout<T>.size == 0,
            "\(layout.name): field of \(MemoryLayout<T>.size) bytes at offset \(offset) is out of place")
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { raw in
            for i in 0..<raw.count { bytes[offset + i] = raw[i] }
        }
    }

    mutating func storeInt64(_ value: Int, at offset: Int) { store(Int64(value), at: offset) }
    mutating func storeUInt32(_ value: Int, at offset: Int) {
        precondition(value >= 0 && value <= Int(UInt32.max), "\(layout.name): \(value) does not fit a u32 field")
        store(UInt32(value), at: offset)
    }
    mutating func storeFloat(_ value: Float, at offset: Int) { store(value.bitPattern, at: offset) }

    /// Reads back a field (used by tests and the emulating driver).
    func loadInt64(at offset: Int) -> Int {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return Int(Int64(bitPattern: value))
    }

    func loadUInt32(at offset: Int) -> Int {
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        return Int(value)
    }

    func loadFloat(at offset: Int) -> Float { Float(bitPattern: UInt32(loadUInt32(at: offset))) }
}
