import Data
import Distributed
import NN
import Optim
import TensorCore
import VAEModels

/// Trains a ``VariationalAutoencoder`` with the semantics of the reference's `Trainer`
/// (github.com/tilman151/unittest_dl), on any ``Dataset`` and any device.
///
/// - Loss of a step: the reconstruction error summed over the batch (sum of squared errors) plus the
///   KL divergence summed over batch and latent dimensions (``VAELoss``); Adam, learning rate 1e-3
///   by default.
/// - ``evaluate()``: Σ reconstruction error over the test batches / number of test examples, with
///   the model in evaluation mode and no gradients.
/// - Logging (through a ``SummaryWriter``): every step `train/recon_loss`, `train/kl_div_loss` and
///   `train/loss` at the global step (0, 1, 2, … across epochs); after every epoch `test/loss` and
///   the images `test/0`, `test/1`, … (input | reconstruction of the first test examples) at the
///   0-based epoch.
/// - Batches are moved to the model's device (the model is never moved); checkpoints hold
///   everything needed to resume exactly (see ``saveCheckpoint(to:)`` and ``loadCheckpoint(from:)``).
///
/// Randomness: the model's initial weights and every latent noise draw come from `generator`, the
/// training order and augmentation from ``VAETrainerOptions/seed``; a run is reproducible from both.
/// A trainer is used from one thread at a time (data loading may use worker threads of its own).
///
/// ```swift
/// let generator = RandomGenerator(seed: 42)
/// let model = try VAEConfiguration(architecture: .mlp).makeModel(generator: generator)
/// let trainer = try VAETrainer(model: model, trainingSet: train, testSet: test,
///                              options: VAETrainerOptions(seed: 42, outputDirectory: "results"),
///                              generator: generator, writer: try EventFileWriter(logDirectory: "results"))
/// let summaries = try trainer.train(epochs: 10)
/// ```
public final class VAETrainer {
    /// The model being trained (updated in place; never moved to another device).
    public let model: any VariationalAutoencoder
    /// Adam over the model's named parameters.
    public let optimizer: Adam
    /// Source of the latent noise in training and evaluation; its state is saved in checkpoints.
    public let generator: RandomGenerator
    /// Receives the scalars and images of the logging contract.
    public let writer: any SummaryWriter
    /// Receives progress events (batches, epochs); `nil` reports nothing.
    public var progress: ProgressReporter?
    /// Asked before every training step; when it returns true, training stops with
    /// ``TrainingError/interrupted(epoch:step:)`` (e.g. after SIGINT). `nil` never stops.
    public var stopRequested: (@Sendable () -> Bool)?
    /// The settings; ``loadCheckpoint(from:)`` replaces the seed and learning rate with the checkpoint's.
    public internal(set) var options: VAETrainerOptions
    /// Number of epochs completed (the 0-based index of the next epoch).
    public internal(set) var completedEpochs = 0
    /// Number of optimisation steps taken (the step of the next `train/*` scalars).
    public internal(set) var globalStep = 0

    let trainingSet: AnyDataset
    let testSet: AnyDataset

    /// The data-parallel group this trainer is a replica of (``join(_:)``); ``ProcessGroup/single``
    /// until it joins one.
    public internal(set) var processGroup: ProcessGroup = .single
    /// Whether noise is keyed by (seed, epoch, example index) and epochs are sharded (after ``join(_:)``).
    var keysNoiseBySample = false
    /// ``progress`` on rank 0, `nil` on the other ranks (only rank 0 reports).
    var reporter: ProgressReporter? { processGroup.isMain ? progress : nil }

    /// A trainer for `model` on `trainingSet`, evaluated on `testSet`.
    ///
    /// - Parameters:
    ///   - trainingSet, testSet: datasets whose examples have the model's input shape
    ///     (`configuration.inputShape`, e.g. `[1, 32, 32]`); inputs in the model's value range.
    ///   - generator: the source of latent noise; pass the generator the model was initialised
    ///     from to make the whole run reproducible from its seed.
    ///   - writer: where the logging contract goes (an ``EventFileWriter`` or `TrainingChecks`'s `RecordingWriter`).
    ///   - progress: progress output, e.g. ``ProgressReporter/standardOutput(liveRefresh:periodicInterval:)``.
    /// - Throws: ``TrainingError/invalidOption(name:value:requirement:)``,
    ///   ``TrainingError/emptyDataset(role:)``, ``TrainingError/inputShapeMismatch(role:found:model:)``
    ///   (the first example of each set is read to check its shape), or what reading it throws.
    public init(
        model: any VariationalAutoencoder, trainingSet: any Dataset, testSet: any Dataset,
        options: VAETrainerOptions = VAETrainerOptions(), generator: RandomGenerator = .default,
        writer: any SummaryWriter, progress: ProgressReporter? = nil
    ) throws {
        try options.validate()
        self.model = model
        self.device = model.device
        self.options = options
        self.generator = generator
        self.writer = writer
        self.progress = progress
        self.trainingSet = AnyDataset(trainingSet)
        self.testSet = AnyDataset(testSet)
        optimizer = try Adam(model.namedParameters(), learningRate: options.learningRate)
        try Self.checkExamples(of: self.trainingSet, role: "training set", model: model.configuration, seed: options.seed)
        try Self.checkExamples(of: self.testSet, role: "test set", model: model.configuration, seed: options.seed)
    }

    /// The device the model lives on, where every batch is moved (the trainer never moves the model).
    public let device: Device

    /// Number of steps of one training epoch.
    public var stepsPerEpoch: Int { (trainingSet.count + options.batchSize - 1) / options.batchSize }

    // MARK: - Training

    /// Trains `epochs` more epochs (each: the steps, then ``evaluate()``, the images and, with an
    /// output directory, a checkpoint), reporting progress, and returns their summaries.
    ///
    /// Calling it again, or after ``loadCheckpoint(from:)``, continues where training stopped.
    /// - Throws: ``TrainingError``, `DataLoaderError` (naming the example that failed),
    ///   `OptimizerError`, ``CheckpointError`` or the writer's errors; the epoch in progress is lost.
    @discardableResult
    public func train(epochs: Int) throws -> [EpochSummary] {
        guard epochs >= 0 else {
            throw TrainingError.invalidOption(name: "epochs", value: "\(epochs)", requirement: "must be ≥ 0")
        }
        reporter?.trainingStarted(
            firstEpoch: completedEpochs, epochs: epochs, stepsPerEpoch: stepsPerEpoch,
            samplesPerEpoch: trainingSet.count)
        var summaries: [EpochSummary] = []
        for _ in 0..<epochs {
            summaries.append(try trainEpoch())
        }
        reporter?.trainingFinished(summaries)
        return summaries
    }

    /// Trains one epoch (epoch ``completedEpochs``): every batch of the training set in the
    /// epoch's order, then the evaluation, `test/loss` and the comparison images, the image grids
    /// and checkpoint when an output directory is set; flushes the writer.
    /// - Throws: as ``train(epochs:)``.
    @discardableResult
    public func trainEpoch() throws -> EpochSummary {
        let epoch = completedEpochs
        let clock = ContinuousClock()
        let start = clock.now
        model.train()
        let trainingLoader = try loader(trainingSet, shuffle: options.shuffle)
        let batches =
            keysNoiseBySample
            ? trainingLoader.batches(epoch: epoch, sampler: try sampler(for: trainingSet, shuffle: options.shuffle))
            : trainingLoader.batches(epoch: epoch)
        reporter?.epochStarted(epoch: epoch, steps: batches.count, samples: trainingSet.count)
        var lossSum = 0.0
        var samples = 0
        var steps = 0
        while true {
            if let stopRequested, stopRequested() { throw TrainingError.interrupted(epoch: epoch, step: globalStep) }
            guard let batch = try batches.next() else { break }
            let losses = keysNoiseBySample ? try distributedStep(on: batch, epoch: epoch) : try trainStep(on: batch.inputs)
            lossSum += Double(losses.total)
            samples += losses.samples
            steps += 1
            reporter?.stepFinished(epoch: epoch, step: steps, of: batches.count, losses: losses)
        }
        let trained = clock.now

        let testLoss = try evaluate()
        // Only rank 0 writes files and logs (the replicas hold the same state).
        if processGroup.isMain {
            try writer.scalar(tag: "test/loss", value: testLoss, step: epoch)
            try logEpochImages(epoch: epoch)
        }
        completedEpochs = epoch + 1
        if let directory = options.outputDirectory, processGroup.isMain {
            try saveCheckpoint(to: CheckpointFiles.path(in: directory, epoch: epoch))
        }
        if processGroup.isMain { try writer.flush() }

        let summary = EpochSummary(
            epoch: epoch, steps: steps, samples: samples,
            meanTrainingLoss: samples > 0 ? lossSum / Double(samples) : 0, testLoss: testLoss,
            trainingSeconds: Self.seconds(trained - start),
            evaluationSeconds: Self.seconds(clock.now - trained))
        reporter?.epochFinished(summary)
        return summary
    }

    /// One optimisation step on `inputs` (`[N] + inputShape`, on any device; moved to the
    /// model's): zero the gradients, forward with sampled noise, loss = reconstruction + KL,
    /// backward, Adam step; then logs the three `train/*` scalars at ``globalStep`` and advances it.
    /// The model's train/eval mode is left as it is (``trainEpoch()`` sets training mode).
    /// - Throws: ``TrainingError/device(stage:_:)`` when the batch cannot be moved,
    ///   ``TrainingError/tensorFailure(stage:_:)`` for misshapen inputs, ``TrainingError/nonFiniteLoss(stage:reconstruction:kl:total:)``
    ///   for a NaN or infinite loss and, with ``VAETrainerOptions/detectsAnomalies``,
    ///   ``TrainingError/numericalAnomaly(stage:_:)`` (in both cases the parameters are left as they were),
    ///   `OptimizerError`, the writer's errors.
    @discardableResult
    public func trainStep(on inputs: Tensor) throws -> StepLosses {
        let stage = "training step \(globalStep)"
        let x = try onModelDevice(inputs, stage: stage)
        let losses = try checked(stage) { () throws -> StepLosses in
            optimizer.zeroGrad()
            let losses = try detectingAnomalies(stage) { () throws -> StepLosses in
                let output = model.forward(x, sampling: .reparameterized, generator: generator)
                let terms = VAELoss.terms(output, target: x)
                terms.total.backward()
                // Stop before the optimizer spreads a NaN into the parameters.
                try AnomalyDetection.throwIfDetected()
                return StepLosses(
                    reconstruction: terms.reconstruction.item(), kl: terms.kl.item(),
                    total: terms.total.item(), samples: x.shape.first ?? 0)
            }
            guard losses.total.isFinite else {
                throw TrainingError.nonFiniteLoss(
                    stage: stage, reconstruction: losses.reconstruction, kl: losses.kl,
                    total: losses.total)
            }
            try optimizer.step()
            return losses
        }
        try writer.scalar(tag: "train/recon_loss", value: losses.reconstruction, step: globalStep)
        try writer.scalar(tag: "train/kl_div_loss", value: losses.kl, step: globalStep)
        try writer.scalar(tag: "train/loss", value: losses.total, step: globalStep)
        globalStep += 1
        return losses
    }

    // MARK: - Evaluation

    /// The reference's evaluation: Σ reconstruction error (sum of squared errors) over every test
    /// batch / number of test examples, in evaluation mode without gradients, latent codes chosen
    /// by ``VAETrainerOptions/evaluationSampling``. The model's mode is restored afterwards; no
    /// parameter changes. With the default, reparameterised sampling the value depends on the
    /// generator's noise (and advances it), as in the reference.
    /// - Throws: ``TrainingError``, `DataLoaderError`.
    public func evaluate() throws -> Float {
        if keysNoiseBySample { return try distributedEvaluate() }
        let total = try inEvaluationMode { () throws -> Double in
            let batches = try loader(testSet, shuffle: false).batches(epoch: 0)
            var total = 0.0
            while let batch = try batches.next() {
                let x = try onModelDevice(batch.inputs, stage: "evaluation")
                total += Double(
                    try checked("evaluation") {
                        try detectingAnomalies("evaluation") {
                            let output = model.forward(x, sampling: options.evaluationSampling, generator: generator)
                            return VAELoss.reconstruction(output.reconstruction, target: x).item()
                        }
                    })
            }
            return total
        }
        return Float(total / Double(testSet.count))
    }

    /// The first `count` test examples and their reconstructions (evaluation mode, no gradients,
    /// ``VAETrainerOptions/evaluationSampling``), both `[count] + inputShape` on the CPU — what the
    /// reference's `generate(n)` shows.
    /// - Throws: ``TrainingError/invalidOption(name:value:requirement:)`` unless
    ///   `1 ≤ count ≤` test set size; ``TrainingError``, `DataLoaderError`.
    public func reconstructTestExamples(count: Int) throws -> (inputs: Tensor, reconstructions: Tensor) {
        guard count >= 1 && count <= testSet.count else {
            throw TrainingError.invalidOption(
                name: "count", value: "\(count)", requirement: "must be in 1...\(testSet.count) (the test set's size)")
        }
        let subset = try Subset(testSet, first: count)
        let inputs = try DataLoader(subset, batchSize: count, seed: options.seed).allBatches(epoch: 0)[0].inputs
        let reconstructions = try inEvaluationMode {
            let x = try onModelDevice(inputs, stage: "reconstructing test examples")
            return try checked("reconstructing test examples") {
                try model.forward(x, sampling: options.evaluationSampling, generator: generator).reconstruction.to(.cpu)
            }
        }
        return (inputs, reconstructions)
    }

    /// `count` images `[count] + inputShape` on the CPU decoded from latent codes drawn from the
    /// prior `N(0, I)` by a generator keyed by ``VAETrainerOptions/seed`` alone: the same codes on
    /// every call, so grids of successive epochs are comparable. Does not touch ``generator``.
    /// - Throws: ``TrainingError``.
    public func priorSamples(count: Int) throws -> Tensor {
        guard count >= 1 else {
            throw TrainingError.invalidOption(name: "count", value: "\(count)", requirement: "must be ≥ 1")
        }
        let codes = RandomGenerator(seed: options.seed ^ Self.priorSampleKey)
        return try inEvaluationMode {
            try checked("sampling from the prior") { try model.sample(count: count, generator: codes).to(.cpu) }
        }
    }

    // MARK: - Private

    /// Distinguishes the prior-sample codes from other numbers drawn with the same seed.
    private static let priorSampleKey: UInt64 = 0x5A3B_1E5E_ED00_0001

    /// `body` with the model in evaluation mode and gradients off; the mode is restored after.
    func inEvaluationMode<T>(_ body: () throws -> T) throws -> T {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try withNoGrad(body)
    }

    /// `body` in a tensor-checking scope: misuse inside becomes ``TrainingError/tensorFailure(stage:_:)``.
    func checked<T>(_ stage: String, _ body: () throws -> T) throws -> T {
        do {
            return try withTensorChecking(body)
        } catch let error as TensorError {
            throw TrainingError.tensorFailure(stage: stage, error)
        }
    }

    /// `body` in anomaly-detection mode when ``VAETrainerOptions/detectsAnomalies`` is set (the model
    /// as the root of module paths), else just `body`: the first NaN or infinity becomes
    /// ``TrainingError/numericalAnomaly(stage:_:)``.
    func detectingAnomalies<T>(_ stage: String, _ body: () throws -> T) throws -> T {
        guard options.detectsAnomalies else { return try body() }
        do {
            return try withAnomalyDetection {
                try withModuleScope("", type: String(describing: type(of: model)), body)
            }
        } catch let anomaly as NumericalAnomaly {
            throw TrainingError.numericalAnomaly(stage: stage, anomaly)
        }
    }

    private func onModelDevice(_ tensor: Tensor, stage: String) throws(TrainingError) -> Tensor {
        guard tensor.device != device else { return tensor }
        do { return try tensor.to(device) } catch { throw .device(stage: stage, error) }
    }

    private func loader(_ dataset: AnyDataset, shuffle: Bool) throws -> DataLoader<AnyDataset> {
        try DataLoader(dataset, batchSize: options.batchSize, shuffle: shuffle, seed: options.seed, workers: options.workers)
    }

    private static func checkExamples(of dataset: AnyDataset, role: String, model: VAEConfiguration, seed: UInt64) throws {
        guard dataset.count > 0 else { throw TrainingError.emptyDataset(role: role) }
        let example = try dataset.example(at: 0, context: SampleContext(seed: seed, epoch: 0, index: 0))
        guard example.input.shape == model.inputShape else {
            throw TrainingError.inputShapeMismatch(role: role, found: example.input.shape, model: model)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
