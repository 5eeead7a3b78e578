// Elementwise operations of two tensors with NumPy/PyTorch broadcasting.

extension StridedLayout {
    /// This layout viewed with shape `target` (a broadcast of its shape): leading and size-1
    /// dimensions get stride 0. Callers have checked that the shapes broadcast.
    func broadcast(to target: [Int]) -> StridedLayout {
        let lead = target.count - shape.count
        var newStrides = [Int](repeating: 0, count: target.count)
        for d in 0..<shape.count where shape[d] != 1 || target[lead + d] == 1 {
            newStrides[lead + d] = strides[d]
        }
        return StridedLayout(shape: target, strides: newStrides, offset: offset)
    }
}

extension Tensor {
    /// Checks that `self` and `other` share a device and have broadcastable shapes; returns the
    /// output shape, or reports the failure and returns `nil`.
    func broadcastShape(with other: Tensor, op: String) -> [Int]? {
        guard device == other.device else {
            reportTensorFailure(TensorError(op: op, DeviceError.mismatch(op: op, device, other.device).description))
            return nil
        }
        guard let shape = ShapeRules.broadcast(self.shape, other.shape) else {
            reportTensorFailure(TensorError(op: op, "shapes \(self.shape) and \(other.shape) cannot be broadcast together"))
            return nil
        }
        return shape
    }

    /// Runs a backend binary operation over broadcast operands (no autodiff recording).
    func applyBinary(_ op: BinaryOp, _ other: Tensor, name: String) -> Tensor {
        guard let shape = broadcastShape(with: other, op: name) else { return Tensor.zeros(like: self) }
        let out = TensorStorage(count: shape.reduce(1, *), backend: backend)
        backend.binary(op, storage.buffer, layout.broadcast(to: shape),
                       other.storage.buffer, other.layout.broadcast(to: shape), into: out.buffer)
        return Tensor(storage: out, layout: StridedLayout(contiguous: shape))
    }

    /// Sums a broadcast gradient back down to `shape` (the inverse of broadcasting).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for d in 0..<target.count where target[d] == 1 && shape[lead + d] != 1 { axes.append(lead + d) }
        var reduced = sum(axes: axes, keepingDimensions: true)
        if lead > 0 { reduced = reduced.reshaped(Array(reduced.shape.dropFirst(lead))) }
        return reduced.shape == target ? reduced : reduced.reshaped(target)
    }

    /// `self + other`, broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = lhs.applyBinary(.add, rhs, name: "add")
        let (ls, rs) = (lhs.shape, rhs.shape)
        return recorded(result, op: "add", inputs: [lhs, rhs]) { g in [g.sum(toShape: ls), g.sum(toShape: rs)] }
    }

    /// `self - other`, broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = lhs.applyBinary(.sub, rhs, name: "sub")
        let (ls, rs) = (lhs.shape, rhs.shape)
        return recorded(result, op: "sub", inputs: [lhs, rhs]) { g in [g.sum(toShape: ls), (-g).sum(toShape: rs)] }
    }

    /// `self * other` elementwise, broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = lhs.applyBinary(.mul, rhs, name: "mul")
        let (l, r) = (lhs.detached(), rhs.detached())
        return recorded(result, op: "mul", inputs: [lhs, rhs]) { g in
            [(g * r).sum(toShape: l.shape), (g * l).sum(toShape: r.shape)]
        }
    }

    /// `self / other` elementwise, broadcasting.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = lhs.applyBinary(.div, rhs, name: "div")
        let (l, r) = (lhs.detached(), rhs.detached())
        return recorded(result, op: "div", inputs: [lhs, rhs]) { g in
            [(g / r).sum(toShape: l.shape), (-(g * l) / (r * r)).sum(toShape: r.shape)]
        }
    }
}
