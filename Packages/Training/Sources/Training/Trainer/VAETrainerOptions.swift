import VAEModels

/// The settings of a ``VAETrainer`` (the reference's `run.py` arguments and what it fixed in code).
///
/// Defaults are the reference's: Adam with learning rate 1e-3, batch size 128, a shuffled training
/// set, noise sampled in evaluation as in training, ten `test/<i>` comparison images per epoch.
public struct VAETrainerOptions: Sendable, Hashable {
    /// Adam's step size (≥ 0, finite).
    public var learningRate: Float
    /// Examples per training and evaluation batch (≥ 1).
    public var batchSize: Int
    /// Key of the training order, the augmentation of every example, and (in checkpoints) the run.
    /// The model's initial weights and the latent noise come from the trainer's `generator`.
    public var seed: UInt64
    /// Data-loading threads (0: batches are made on the training thread).
    public var workers: Int
    /// Whether each epoch visits the training set in a new random order (the reference does).
    public var shuffle: Bool
    /// How evaluation picks latent codes: ``LatentSampling/reparameterized`` samples noise as the
    /// reference does (the evaluation then varies from call to call); ``LatentSampling/mean``
    /// decodes `mu` and makes evaluation deterministic.
    public var evaluationSampling: LatentSampling
    /// Number of input | reconstruction pairs of the first test examples logged as images
    /// `test/0`, `test/1`, … at the end of every epoch (the reference logs 10).
    public var comparisonImages: Int
    /// Also log, each epoch, one grid of all comparison pairs (`images/reconstructions`) and one of
    /// ``priorSamples`` images decoded from the prior (`images/samples`).
    public var logsImageGrids: Bool
    /// Number of images decoded from fixed latent codes drawn from the prior for the sample grid.
    /// The codes are the same every epoch (they come from their own generator keyed by ``seed``),
    /// so successive grids show the model's progress on the same points.
    public var priorSamples: Int
    /// When set, every epoch writes `checkpoint_<NNN>.safetensors` (NNN: the 0-based epoch) there and, with
    /// ``logsImageGrids``, `reconstructions_<epoch>.png` and `samples_<epoch>.png`
    /// (`<epoch>` is the 0-based epoch, three digits, as the reference's `model_000.pth`).
    public var outputDirectory: String?
    /// Runs every step and evaluation in anomaly-detection mode (``TensorCore/withAnomalyDetection(_:)``):
    /// the first NaN or infinity an operation produces, forward or backward, stops training with
    /// ``TrainingError/numericalAnomaly(stage:_:)`` naming the operation, its input shapes and the
    /// module, before the optimizer applies the step. Slower (1.4–1.7× per step on the CPU); off by default.
    public var detectsAnomalies: Bool

    /// Settings with the reference's defaults; the parameters set the properties of the same names.
    /// Nothing is checked here: ``validate()`` (called by ``VAETrainer/init(model:trainingSet:testSet:options:generator:writer:progress:)``)
    /// rejects out-of-range values.
    public init(
        learningRate: Float = 1e-3, batchSize: Int = 128, seed: UInt64 = 0, workers: Int = 0,
        shuffle: Bool = true, evaluationSampling: LatentSampling = .reparameterized,
        comparisonImages: Int = 10, logsImageGrids: Bool = false, priorSamples: Int = 64,
        outputDirectory: String? = nil, detectsAnomalies: Bool = false
    ) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
        self.workers = workers
        self.shuffle = shuffle
        self.evaluationSampling = evaluationSampling
        self.comparisonImages = comparisonImages
        self.logsImageGrids = logsImageGrids
        self.priorSamples = priorSamples
        self.outputDirectory = outputDirectory
        self.detectsAnomalies = detectsAnomalies
    }

    /// Checks every setting.
    /// - Throws: ``TrainingError/invalidOption(name:value:requirement:)`` naming the first bad one.
    public func validate() throws(TrainingError) {
        guard learningRate.isFinite, learningRate >= 0 else {
            throw .invalidOption(name: "learningRate", value: "\(learningRate)", requirement: "must be finite and ≥ 0")
        }
        guard batchSize >= 1 else { throw .invalidOption(name: "batchSize", value: "\(batchSize)", requirement: "must be ≥ 1") }
        guard (0...256).contains(workers) else {
            throw .invalidOption(name: "workers", value: "\(workers)", requirement: "must be in 0...256")
        }
        guard comparisonImages >= 0 else {
            throw .invalidOption(name: "comparisonImages", value: "\(comparisonImages)", requirement: "must be ≥ 0")
        }
        guard priorSamples >= 1 || !logsImageGrids else {
            throw .invalidOption(
                name: "priorSamples", value: "\(priorSamples)", requirement: "must be ≥ 1 when image grids are logged")
        }
        if let outputDirectory, outputDirectory.isEmpty {
            throw .invalidOption(name: "outputDirectory", value: "\"\"", requirement: "must be a directory path or nil")
        }
    }
}
