import CTensorKernels

// The CPU backend's copy, elementwise and reduction primitives: thin calls into the C kernels
// (dt_elementwise.h), which simplify the layouts, pick the instruction-set path and split large
// calls over the worker pool. Each primitive does nothing when one of its buffers could not be
// allocated (see CPUBuffer).
extension CPUBackend {
    public func copy(
        _ source: any DeviceBuffer, _ sourceLayout: StridedLayout,
        to destination: any DeviceBuffer, _ destinationLayout: StridedLayout
    ) {
        guard allAllocated(source, destination) else { return }
        let src = cpu(source).pointer + sourceLayout.offset
        let dst = cpu(destination).pointer + destinationLayout.offset
        sourceLayout.shape.withUnsafeBufferPointer { shape in
            sourceLayout.strides.withUnsafeBufferPointer { srcStrides in
                destinationLayout.strides.withUnsafeBufferPointer { dstStrides in
                    dt_copy(Int32(shape.count), shape.baseAddress, src, srcStrides.baseAddress, dst, dstStrides.baseAddress)
                }
            }
        }
    }

    public func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer) {
        guard allAllocated(x, out) else { return }
        let (code, p0, p1) = op.kernelCode
        let src = cpu(x).pointer + xLayout.offset
        let dst = cpu(out).pointer
        xLayout.shape.withUnsafeBufferPointer { shape in
            xLayout.strides.withUnsafeBufferPointer { strides in
                dt_unary(code, p0, p1, Int32(shape.count), shape.baseAddress, src, strides.baseAddress, dst)
            }
        }
    }

    public func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        guard allAllocated(a, b, out) else { return }
        let pa = cpu(a).pointer + aLayout.offset
        let pb = cpu(b).pointer + bLayout.offset
        let dst = cpu(out).pointer
        aLayout.shape.withUnsafeBufferPointer { shape in
            aLayout.strides.withUnsafeBufferPointer { aStrides in
                bLayout.strides.withUnsafeBufferPointer { bStrides in
                    dt_binary(
                        op.kernelCode, Int32(shape.count), shape.baseAddress,
                        pa, aStrides.baseAddress, pb, bStrides.baseAddress, dst)
                }
            }
        }
    }

    public func binary(
        _ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, then post: UnaryOp, into out: any DeviceBuffer
    ) {
        guard allAllocated(a, b, out) else { return }
        let (postCode, p0, p1) = post.kernelCode
        let pa = cpu(a).pointer + aLayout.offset
        let pb = cpu(b).pointer + bLayout.offset
        let dst = cpu(out).pointer
        aLayout.shape.withUnsafeBufferPointer { shape in
            aLayout.strides.withUnsafeBufferPointer { aStrides in
                bLayout.strides.withUnsafeBufferPointer { bStrides in
                    dt_binary_unary(
                        op.kernelCode, postCode, p0, p1, Int32(shape.count), shape.baseAddress,
                        pa, aStrides.baseAddress, pb, bStrides.baseAddress, dst)
                }
            }
        }
    }

    public func select(
        _ condition: any DeviceBuffer, _ conditionLayout: StridedLayout,
        _ a: any DeviceBuffer, _ aLayout: StridedLayout,
        _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer
    ) {
        guard allAllocated(condition, a, b, out) else { return }
        let pc = cpu(condition).pointer + conditionLayout.offset
        let pa = cpu(a).pointer + aLayout.offset
        let pb = cpu(b).pointer + bLayout.offset
        let dst = cpu(out).pointer
        conditionLayout.shape.withUnsafeBufferPointer { shape in
            conditionLayout.strides.withUnsafeBufferPointer { cStrides in
                aLayout.strides.withUnsafeBufferPointer { aStrides in
                    bLayout.strides.withUnsafeBufferPointer { bStrides in
                        dt_select(
                            Int32(shape.count), shape.baseAddress, pc, cStrides.baseAddress,
                            pa, aStrides.baseAddress, pb, bStrides.baseAddress, dst)
                    }
                }
            }
        }
    }

    public func reduce(
        _ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner: Int,
        into out: any DeviceBuffer
    ) {
        guard allAllocated(x, out) else { return }
        dt_reduce(op.kernelCode, cpu(x).pointer + offset, outer, extent, inner, cpu(out).pointer)
    }
}

extension UnaryOp {
    /// The C kernel's operation code and its two scalar parameters.
    var kernelCode: (dt_unary_op, Float, Float) {
        switch self {
        case .neg: (DT_UNARY_NEG, 0, 0)
        case .exp: (DT_UNARY_EXP, 0, 0)
        case .log: (DT_UNARY_LOG, 0, 0)
        case .sqrt: (DT_UNARY_SQRT, 0, 0)
        case .abs: (DT_UNARY_ABS, 0, 0)
        case .relu: (DT_UNARY_RELU, 0, 0)
        case .tanh: (DT_UNARY_TANH, 0, 0)
        case .sigmoid: (DT_UNARY_SIGMOID, 0, 0)
        case .softplus: (DT_UNARY_SOFTPLUS, 0, 0)
        case .sign: (DT_UNARY_SIGN, 0, 0)
        case .addScalar(let c): (DT_UNARY_ADD_SCALAR, c, 0)
        case .mulScalar(let c): (DT_UNARY_MUL_SCALAR, c, 0)
        case .reciprocalScaled(let c): (DT_UNARY_RECIPROCAL_SCALED, c, 0)
        case .powScalar(let p): (DT_UNARY_POW_SCALAR, p, 0)
        case .clamp(let low, let high): (DT_UNARY_CLAMP, low, high)
        case .greaterThanScalar(let c): (DT_UNARY_GREATER_THAN_SCALAR, c, 0)
        }
    }
}

extension BinaryOp {
    /// The C kernel's operation code.
    var kernelCode: dt_binary_op {
        switch self {
        case .add: DT_BINARY_ADD
        case .sub: DT_BINARY_SUB
        case .mul: DT_BINARY_MUL
        case .div: DT_BINARY_DIV
        case .pow: DT_BINARY_POW
        case .maximum: DT_BINARY_MAXIMUM
        case .minimum: DT_BINARY_MINIMUM
        case .equal: DT_BINARY_EQUAL
        case .notEqual: DT_BINARY_NOT_EQUAL
        case .less: DT_BINARY_LESS
        case .lessEqual: DT_BINARY_LESS_EQUAL
        case .greater: DT_BINARY_GREATER
        case .greaterEqual: DT_BINARY_GREATER_EQUAL
        }
    }
}

extension ReduceOp {
    /// The C kernel's operation code.
    var kernelCode: dt_reduce_op {
        switch self {
        case .sum: DT_REDUCE_SUM
        case .max: DT_REDUCE_MAX
        case .min: DT_REDUCE_MIN
        case .argmax: DT_REDUCE_ARGMAX
        case .argmin: DT_REDUCE_ARGMIN
        }
    }
}
