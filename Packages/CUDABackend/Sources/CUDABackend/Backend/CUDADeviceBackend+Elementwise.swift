import TensorCore

extension UnaryOp {
    /// Kernel operation code and scalar parameters of `dt_unary`.
    var kernelCode: (code: UInt32, p0: Float, p1: Float) {
        switch self {
        case .neg: return (KernelConstant.unaryNeg, 0, 0)
        case .exp: return (KernelConstant.unaryExp, 0, 0)
        case .log: return (KernelConstant.unaryLog, 0, 0)
        case .sqrt: return (KernelConstant.unarySqrt, 0, 0)
        case .abs: return (KernelConstant.unaryAbs, 0, 0)
        case .relu: return (KernelConstant.unaryRelu, 0, 0)
        case .tanh: return (KernelConstant.unaryTanh, 0, 0)
        case .sigmoid: return (KernelConstant.unarySigmoid, 0, 0)
        case .softplus: return (KernelConstant.unarySoftplus, 0, 0)
        case .sign: return (KernelConstant.unarySign, 0, 0)
        case .addScalar(let c): return (KernelConstant.unaryAddScalar, c, 0)
        case .mulScalar(let c): return (KernelConstant.unaryMulScalar, c, 0)
        case .reciprocalScaled(let c): return (KernelConstant.unaryReciprocalScaled, c, 0)
        case .powScalar(let p): return (KernelConstant.unaryPowScalar, p, 0)
        case .clamp(let low, let high): return (KernelConstant.unaryClamp, low, high)
        case .greaterThanScalar(let c): return (KernelConstant.unaryGreaterThanScalar, c, 0)
        }
    }
}

extension BinaryOp {
    /// Kernel operation code of `dt_binary`.
    var kernelCode: UInt32 {
        switch self {
        case .add: return KernelConstant.binaryAdd
        case .sub: return KernelConstant.binarySub
        case .mul: return KernelConstant.binaryMul
        case .div: return KernelConstant.binaryDiv
        case .pow: return KernelConstant.binaryPow
        case .maximum: return KernelConstant.binaryMaximum
        case .minimum: return KernelConstant.binaryMinimum
        case .equal: return KernelConstant.binaryEqual
        case .notEqual: return KernelConstant.binaryNotEqual
        case .less: return KernelConstant.binaryLess
        case .lessEqual: return KernelConstant.binaryLessEqual
        case .greater: return KernelConstant.binaryGreater
        case .greaterEqual: return KernelConstant.binaryGreaterEqual
        }
    }
}

extension ReduceOp {
    /// Kernel operation code of `dt_reduce_rows` / `dt_reduce_columns`.
    var kernelCode: UInt32 {
        switch self {
        case .sum: return KernelConstant.reduceSum
        case .max: return KernelConstant.reduceMax
        case .min: return KernelConstant.reduceMin
        case .argmax: return KernelConstant.reduceArgmax
        case .argmin: return KernelConstant.reduceArgmin
        }
    }
}

extension CUDADeviceBackend {
    /// Most elements one linear launch covers (the kernels index with 32-bit integers).
    static let maxLaunchElements = Int(Int32.max)

    /// Launches `signature` once per piece of the geometry of `layouts`, with the geometry block
    /// first, then `pointers`, then `extra` arguments.
    private func launchElementwise(
        _ signature: KernelSignature, _ layouts: [StridedLayout],
        pointers: [CUDADevicePointer], extra: [KernelArgument] = []
    ) {
        for piece in ElementwiseGeometry(layouts).pieces() {
            let (grid, block) = LaunchConfiguration.linear(items: piece.count)
            launch(
                signature, grid: grid, block: block,
                [.block(piece.parameterBlock)] + pointers.map { .pointer($0) } + extra)
        }
    }

    public func fill(_ buffer: any DeviceBuffer, offset: Int, count: Int, value: Float) {
        guard count > 0 else { return }
        guard begin("fill") else { return }
        let target = cuda(buffer)
        for start in stride(from: 0, to: count, by: Self.maxLaunchElements) {
            let n = min(Self.maxLaunchElements, count - start)
            let (grid, block) = LaunchConfiguration.linear(items: n)
            launch(
                Kernels.fill, grid: grid, block: block,
                [.pointer(target.address(at: offset + start)), .count(n), .f32(value)])
        }
    }

    public func copy(
        _ source: any DeviceBuffer, _ sourceLayout: StridedLayout,
        to destination: any DeviceBuffer, _ destinationLayout: StridedLayout
    ) {
        guard sourceLayout.count > 0 else { return }
        guard begin("copy") else { return }
        let (from, to) = (cuda(source), cuda(destination))
        let geometry = ElementwiseGeometry([destinationLayout, sourceLayout])
        if geometry.rank == 1 && geometry.strides.allSatisfy({ $0[0] == 1 }) {
            // Both dense: one device-to-device copy.
            do throws(CUDAError) {
                try driver.copyDeviceToDevice(
                    to.address(at: geometry.offsets[0]), from: from.address(at: geometry.offsets[1]),
                    byteCount: geometry.count * MemoryLayout<Float>.stride, stream: stream)
            } catch {
                fail(error, in: "copy of \(geometry.count) floats")
            }
            return
        }
        launchElementwise(Kernels.copy, [destinationLayout, sourceLayout], pointers: [to.address, from.address])
    }

    public func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer) {
        guard xLayout.count > 0 else { return }
        guard begin("unary") else { return }
        let (code, p0, p1) = op.kernelCode
        launchElementwise(
            Kernels.unary, [StridedLayout(contiguous: xLayout.shape), xLayout],
            pointers: [cuda(out).address, cuda(x).address], extra: [.u32(code), .f32(p0), .f32(p1)])
    }

    public func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        guard aLayout.count > 0 else { return }
        guard begin("binary") else { return }
        launchElementwise(
            Kernels.binary, [StridedLayout(contiguous: aLayout.shape), aLayout, bLayout],
            pointers: [cuda(out).address, cuda(a).address, cuda(b).address], extra: [.u32(op.kernelCode)])
    }

    public func select(
        _ condition: any DeviceBuffer, _ conditionLayout: StridedLayout,
        _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        guard aLayout.count > 0 else { return }
        guard begin("select") else { return }
        launchElementwise(
            Kernels.select, [StridedLayout(contiguous: aLayout.shape), conditionLayout, aLayout, bLayout],
            pointers: [cuda(out).address, cuda(condition).address, cuda(a).address, cuda(b).address])
    }

    public func reduce(
        _ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner: Int,
        into out: any DeviceBuffer
    ) {
        guard outer > 0, inner > 0, extent > 0 else { return }
        guard begin("reduce") else { return }
        reduceDevice(op, x: cuda(x).address(at: offset), outer: outer, extent: extent, inner: inner, out: cuda(out).address)
    }

    /// `reduce` on raw device addresses (also used by the convolution's weight gradient).
    func reduceDevice(_ op: ReduceOp, x: CUDADevicePointer, outer: Int, extent: Int, inner: Int, out: CUDADevicePointer) {
        if inner == 1 {
            let (grid, block) = LaunchConfiguration.rows(outer)
            launch(
                Kernels.reduceRows, grid: grid, block: block,
                [.pointer(x), .pointer(out), .count(outer), .count(extent), .u32(op.kernelCode)])
        } else {
            // outer and inner are each below 2³² (`.count`); their product may exceed it (64-bit kernel loop).
            let (grid, block) = LaunchConfiguration.linear(items: outer * inner)
            launch(
                Kernels.reduceColumns, grid: grid, block: block,
                [.pointer(x), .pointer(out), .count(outer), .count(extent), .count(inner), .u32(op.kernelCode)])
        }
    }
}
