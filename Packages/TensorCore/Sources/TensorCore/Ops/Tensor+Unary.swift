// Elementwise operations of one tensor.

extension Tensor {
    /// Runs a backend unary operation (no autodiff recording).
    func applyUnary(_ op: UnaryOp) -> Tensor {
        let out = TensorStorage(count: count, backend: backend)
        backend.unary(op, storage.buffer, layout, into: out.buffer)
        return Tensor(storage: out, layout: StridedLayout(contiguous: shape))
    }

    /// `-self`.
    public static prefix func - (x: Tensor) -> Tensor {
        recorded(x.applyUnary(.neg), op: "neg", inputs: [x]) { g in [-g] }
    }
}
