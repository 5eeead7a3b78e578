import Data
import DeepTrustSystem
import Distributed
import NN
import Optim
import TensorCore
import VAEModels

extension VAETrainer {
    /// Makes this trainer one replica of data-parallel training in `group` (call it on every rank,
    /// after ``loadCheckpoint(from:)`` when resuming).
    ///
    /// Rank 0's parameters, buffers, optimizer state, completed epochs, global step and seed are
    /// broadcast to every rank, so all replicas start identical. From then on:
    /// - each epoch, every rank trains on its share of each global batch of
    ///   ``VAETrainerOptions/batchSize`` examples (``Data/DistributedSampler``: disjoint, covering,
    ///   neither padded nor dropped); the gradients (of the summed loss) and the three loss terms are
    ///   summed over the ranks before the optimizer step, so every rank takes the step one process
    ///   takes on the whole global batch;
    /// - the reparameterisation noise of an example is keyed by (seed, epoch, dataset index) instead
    ///   of being drawn from ``generator`` in batch order, in training and evaluation, so the result
    ///   does not depend on the number of ranks (a group of one trains the same way);
    /// - ``evaluate()`` is sharded the same way and its sums reduced;
    /// - only rank 0 writes scalars, images, checkpoints and reports progress.
    ///
    /// ``trainStep(on:)``, called directly on a batch without dataset indices, keeps drawing noise
    /// from ``generator`` and does not communicate.
    /// - Throws: `DistributedError` when a collective fails (ranks with different models fail with
    ///   a mismatch naming the element counts).
    public func join(_ group: ProcessGroup) throws {
        processGroup = group
        keysNoiseBySample = true
        guard group.isDistributed else { return }
        let parameters = model.namedParameters().map(\.parameter)
        try group.broadcastValues(of: parameters, root: 0)
        let buffers = model.namedBuffers().map(\.buffer)
        if !buffers.isEmpty {
            let values = try group.broadcast(buffers.map(\.value), root: 0)
            for (buffer, value) in zip(buffers, values) { buffer.value = value }
        }
        // The optimizer state: rank 0's step counts and moments (the other ranks loaded the same
        // checkpoint or none; zero moments are broadcast when rank 0 has none).
        let state = optimizer.state()
        var header = [Int64(state.stepCount), Int64(completedEpochs), Int64(globalStep), Int64(bitPattern: options.seed)]
        try group.broadcast(&header, root: 0)
        if header[0] > 0 {
            let keys = state.tensors.keys.sorted()
            let synced = try group.broadcast(keys.map { state.tensors[$0]! }, root: 0)
            var tensors: [String: Tensor] = [:]
            for (key, value) in zip(keys, synced) { tensors[key] = value }
            try optimizer.load(
                state: OptimizerState(
                    optimizer: state.optimizer, stepCount: Int(header[0]), tensors: tensors,
                    hyperparameters: state.hyperparameters))
        }
        completedEpochs = Int(header[1])
        globalStep = Int(header[2])
        options.seed = UInt64(bitPattern: header[3])
    }

    /// The reparameterisation noise of the examples `indices` in `epoch`: `[indices.count, bottleneck]`
    /// standard normal numbers, row `i` keyed by (seed, epoch, `indices[i]`, `domain`) alone.
    static func sampleNoise(seed: UInt64, domain: UInt64, epoch: Int, indices: [Int], dimension: Int) -> Tensor {
        var scalars: [Float] = []
        scalars.reserveCapacity(indices.count * dimension)
        for index in indices {
            let stream = (UInt64(UInt32(truncatingIfNeeded: epoch)) << 32) | UInt64(UInt32(truncatingIfNeeded: index))
            var random = PhiloxStream(key: PhiloxKey(seed: seed ^ domain, stream: stream))
            var produced = 0
            while produced < dimension {
                // Box–Muller: two uniforms give two normals; u1 in (0, 1] keeps the logarithm finite.
                let u1 = 1 - random.nextUniform(), u2 = random.nextUniform()
                let radius = (-2 * logf(u1)).squareRoot()
                scalars.append(radius * cosf(2 * .pi * u2))
                produced += 1
                if produced < dimension { scalars.append(radius * sinf(2 * .pi * u2)); produced += 1 }
            }
        }
        return Tensor(shape: [indices.count, dimension], scalars: scalars)
    }

    /// Distinguishes training noise from evaluation noise drawn with the same seed.
    static let trainingNoiseKey: UInt64 = 0x7EA1_0015_E000_0001
    static let evaluationNoiseKey: UInt64 = 0x7EA1_0015_E000_0002

    /// The forward pass with given noise: `z = exp(logSigma)·noise + mu` (or `mu` with
    /// ``LatentSampling/mean``); returns the reconstruction and the latent distribution.
    func forward(_ x: Tensor, noise: Tensor, sampling: LatentSampling) -> (reconstruction: Tensor, mu: Tensor, logSigma: Tensor) {
        let (mu, logSigma) = model.encode(x)
        let z = sampling == .mean ? mu : logSigma.exp() * noise + mu
        return (model.decode(z), mu, logSigma)
    }

    /// The sampler of this rank over `dataset` for the global batch size.
    func sampler(for dataset: AnyDataset, shuffle: Bool) throws -> DistributedSampler {
        try DistributedSampler(
            count: dataset.count, globalBatchSize: options.batchSize, rank: processGroup.rank,
            worldSize: processGroup.size, shuffle: shuffle, seed: options.seed)
    }

    /// One data-parallel step on this rank's share `batch` of the global batch of `epoch`: forward
    /// and backward on the share (nothing when it is empty), the sum of gradients and loss terms over
    /// the ranks, the finiteness check on the global loss (every rank decides alike), the optimizer
    /// step; rank 0 logs the global losses. Returns the global batch's losses.
    func distributedStep(on batch: Batch, epoch: Int) throws -> StepLosses {
        let stage = "training step \(globalStep)"
        let parameters = model.namedParameters().map(\.parameter)
        let losses = try checked(stage) { () throws -> StepLosses in
            optimizer.zeroGrad()
            var local: [Float] = [0, 0, 0, Float(batch.count)]
            if batch.count > 0 {
                let x = try moveToModelDevice(batch.inputs, stage: stage)
                let noise = try moveToModelDevice(
                    Self.sampleNoise(
                        seed: options.seed, domain: Self.trainingNoiseKey, epoch: epoch, indices: batch.indices,
                        dimension: model.bottleneck), stage: stage)
                local = try detectingAnomalies(stage) { () throws -> [Float] in
                    let output = forward(x, noise: noise, sampling: .reparameterized)
                    let reconstruction = VAELoss.reconstruction(output.reconstruction, target: x)
                    let kl = VAELoss.klDivergence(mu: output.mu, logSigma: output.logSigma)
                    let total = reconstruction + kl
                    total.backward()
                    try AnomalyDetection.throwIfDetected()
                    return [reconstruction.item(), kl.item(), total.item(), Float(batch.count)]
                }
            }
            // The gradients are summed in their own memory; the loss terms ride along in the
            // last bucket, so a step costs no extra collective.
            var global = local
            try processGroup.allReduceGradients(of: parameters, .sum, alongWith: &global)
            let losses = StepLosses(reconstruction: global[0], kl: global[1], total: global[2], samples: Int(global[3]))
            guard losses.total.isFinite else {
                throw TrainingError.nonFiniteLoss(
                    stage: stage, reconstruction: losses.reconstruction, kl: losses.kl, total: losses.total)
            }
            try optimizer.step()
            return losses
        }
        if processGroup.isMain {
            try writer.scalar(tag: "train/recon_loss", value: losses.reconstruction, step: globalStep)
            try writer.scalar(tag: "train/kl_div_loss", value: losses.kl, step: globalStep)
            try writer.scalar(tag: "train/loss", value: losses.total, step: globalStep)
        }
        globalStep += 1
        return losses
    }

    /// ``evaluate()`` of a trainer that joined a group: each rank sums the reconstruction error of
    /// its share of the test set, example by example, noise keyed by (seed, completed epochs, test
    /// index); the sums are added over the ranks and divided by the test set's size.
    func distributedEvaluate() throws -> Float {
        let sampler = try sampler(for: testSet, shuffle: false)
        let epoch = completedEpochs
        let local = try inEvaluationMode { () throws -> Double in
            let batches = try DataLoader(testSet, batchSize: options.batchSize, seed: options.seed, workers: options.workers)
                .batches(epoch: 0, sampler: sampler)
            var total = 0.0
            while let batch = try batches.next() {
                guard batch.count > 0 else { continue }
                let x = try moveToModelDevice(batch.inputs, stage: "evaluation")
                let noise = try moveToModelDevice(
                    Self.sampleNoise(
                        seed: options.seed, domain: Self.evaluationNoiseKey, epoch: epoch, indices: batch.indices,
                        dimension: model.bottleneck), stage: "evaluation")
                // Each example's error in float, added in double: exact while the total and the
                // smallest error's last bit lie within 53 bits of each other (a VAE's test errors
                // span far fewer), so the total does not depend on how the test set is shared
                // between the ranks, nor on the batch size.
                let errors = try checked("evaluation") {
                    try detectingAnomalies("evaluation") {
                        let output = forward(x, noise: noise, sampling: options.evaluationSampling)
                        let difference = output.reconstruction - x
                        return (difference * difference).sum(axes: Array(1..<x.rank)).scalars
                    }
                }
                total = errors.reduce(total) { $0 + Double($1) }
            }
            return total
        }
        var sums = [local]
        try processGroup.allReduce(&sums, .sum)
        return Float(sums[0] / Double(testSet.count))
    }

    private func moveToModelDevice(_ tensor: Tensor, stage: String) throws(TrainingError) -> Tensor {
        guard tensor.device != device else { return tensor }
        do { return try tensor.to(device) } catch { throw .device(stage: stage, error) }
    }
}
