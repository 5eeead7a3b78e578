import TensorCore

/// A batch of examples stacked along a new leading dimension.
public struct Batch: Sendable {
    /// Position of the batch in its epoch (0-based).
    public var index: Int
    /// The inputs stacked to `[count, …input shape]`, on the CPU.
    public var inputs: Tensor
    /// The labels in batch order, or `nil` when the dataset has none.
    public var labels: [Int]?
    /// The dataset index of each example, in batch order.
    public var indices: [Int]

    /// Number of examples.
    public var count: Int { indices.count }

    /// A batch from its parts: `inputs` `[count, …]`, `labels` and `indices` in batch order.
    public init(index: Int, inputs: Tensor, labels: [Int]?, indices: [Int]) {
        self.index = index
        self.inputs = inputs
        self.labels = labels
        self.indices = indices
    }

    /// Stacks `examples` (of dataset indices `indices`) into batch `batchIndex`.
    ///
    /// - Throws: ``DataLoaderError/collation(batch:reason:)`` when the input shapes differ or only
    ///   some examples have labels.
    static func collate(_ examples: [Example], indices: [Int], batchIndex: Int) throws(DataLoaderError) -> Batch {
        let shape = examples.first?.input.shape ?? []
        if let k = examples.firstIndex(where: { $0.input.shape != shape }) {
            throw .collation(
                batch: batchIndex,
                reason: "sample \(indices[k]) has input shape \(examples[k].input.shape), "
                    + "sample \(indices[0]) has \(shape)")
        }
        let labeled = examples.filter { $0.label != nil }.count
        guard labeled == 0 || labeled == examples.count else {
            let k = examples.firstIndex(where: { $0.label == nil })!
            throw .collation(batch: batchIndex, reason: "sample \(indices[k]) has no label but others have")
        }
        let perExample = shape.reduce(1, *)
        // One copy per example into host memory (from any device, any layout), then one upload
        // through the CPU backend: the batch is built through Backend operations only.
        let scalars = [Float](unsafeUninitializedCapacity: perExample * examples.count) { host, initialized in
            for (k, example) in examples.enumerated() where perExample > 0 {
                let dense = example.input.contiguous()
                dense.backend.download(
                    dense.storage.buffer, offset: dense.layout.offset,
                    into: UnsafeMutableBufferPointer(rebasing: host[(k * perExample)..<((k + 1) * perExample)]))
            }
            initialized = perExample * examples.count
        }
        let inputs = Tensor(shape: [examples.count] + shape, scalars: scalars, backend: CPUBackend.shared)
        return Batch(
            index: batchIndex, inputs: inputs, labels: labeled == 0 ? nil : examples.map { $0.label! },
            indices: indices)
    }
}
