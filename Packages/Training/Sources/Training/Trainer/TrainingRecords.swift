/// The three loss terms of one training step, each summed over the batch (the reference's values).
public struct StepLosses: Sendable, Hashable {
    /// Sum of squared errors between the reconstruction and the input over the whole batch.
    public var reconstruction: Float
    /// KL divergence of the latent distribution from the prior, summed over batch and latent dimensions.
    public var kl: Float
    /// `reconstruction + kl`, what the step minimised (computed in Float32 on the model's device).
    public var total: Float
    /// Number of examples in the batch.
    public var samples: Int

    /// The losses of a step over `samples` examples; the parameters set the properties of the same names.
    public init(reconstruction: Float, kl: Float, total: Float, samples: Int) {
        self.reconstruction = reconstruction
        self.kl = kl
        self.total = total
        self.samples = samples
    }
}

/// What one training epoch did.
public struct EpochSummary: Sendable, Hashable {
    /// The epoch, 0-based (the step of its `test/loss` scalar).
    public var epoch: Int
    /// Optimisation steps (batches) in the epoch.
    public var steps: Int
    /// Training examples seen.
    public var samples: Int
    /// Mean training loss per example: Σ step losses / ``samples``.
    public var meanTrainingLoss: Double
    /// The evaluation after the epoch (Σ reconstruction error / test examples).
    public var testLoss: Float
    /// Wall time of the training steps, data loading included, in seconds.
    public var trainingSeconds: Double
    /// Wall time of the evaluation, images and checkpoint, in seconds.
    public var evaluationSeconds: Double

    /// The summary of epoch `epoch` (0-based); the parameters set the properties of the same names
    /// (times in seconds).
    public init(
        epoch: Int, steps: Int, samples: Int, meanTrainingLoss: Double, testLoss: Float,
        trainingSeconds: Double, evaluationSeconds: Double
    ) {
        self.epoch = epoch
        self.steps = steps
        self.samples = samples
        self.meanTrainingLoss = meanTrainingLoss
        self.testLoss = testLoss
        self.trainingSeconds = trainingSeconds
        self.evaluationSeconds = evaluationSeconds
    }

    /// Training throughput in examples per second.
    public var samplesPerSecond: Double { trainingSeconds > 0 ? Double(samples) / trainingSeconds : 0 }
}
