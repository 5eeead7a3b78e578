// Fused operations: compositions that training runs at every layer, computed in one pass over
// memory instead of one pass (and one temporary tensor) per step of the composition. Each gives
// the same values and gradients as the composition it replaces.

extension Tensor {
    /// `relu(self + other)` with broadcasting, in one pass (a layer's bias addition and its ReLU).
    ///
    /// Same values and gradients as `(self + other).relu()`: the gradient is the upstream gradient
    /// where the result is non-zero, summed down to each operand's shape. Misuse (shapes that do
    /// not broadcast, different devices) is reported naming both shapes.
    ///
    /// When this call holds the only reference to `self`'s memory (a layer's fresh output passed
    /// with `consume`, say) and that memory is exactly the result's, the result is written over it
    /// instead of into new memory (copy-on-write: nothing else can observe the change).
    public consuming func reluAfterAdding(_ other: Tensor) -> Tensor {
        (consume self).reluAfterAdding(other, gradientMaskedByConsumer: false)
    }

    /// ``reluAfterAdding(_:)``; with `gradientMaskedByConsumer`, the only consumer of the result
    /// applies the ReLU's gradient itself (a convolution called with `maskingInputGradient`), so the
    /// gradient arriving here is already 0 where the result is 0 and is passed on as it is, saving
    /// a pass over it. Wrong gradients follow if anything else consumes the result: for layers
    /// that fuse the two, such as NN's `Sequential`.
    package consuming func reluAfterAdding(_ other: Tensor, gradientMaskedByConsumer: Bool) -> Tensor {
        let name = "reluAfterAdding"
        guard let shape = broadcastShape(with: other, op: name) else {
            return placeholder(self.shape.count >= other.shape.count ? self.shape : other.shape)
        }
        // Not in anomaly-detection mode: it skips checking results that share an input's memory (views).
        let reusable =
            shape == self.shape && layout.isContiguous && layout.offset == 0 && storage.buffer.count == count
            && isKnownUniquelyReferenced(&storage) && !AnomalyDetection.isEnabled
        let y = reusable ? Tensor(storage: storage, layout: layout) : Tensor.uninitialized(shape, backend: backend)
        if y.count > 0 {
            backend.binary(
                .add, storage.buffer, layout.broadcast(to: shape), other.storage.buffer,
                other.layout.broadcast(to: shape), then: .relu, into: y.storage.buffer)
        }
        let (ls, rs) = (self.shape, other.shape)
        let (needL, needR) = (needsGradient, other.needsGradient)
        return Tensor.recorded(y, op: name, inputs: [self, other]) { g in
            let passed = gradientMaskedByConsumer ? g : g.applySelect(where: y, else: 0)
            return [needL ? passed.sum(toShape: ls) : nil, needR ? passed.sum(toShape: rs) : nil]
        }
    }
}
