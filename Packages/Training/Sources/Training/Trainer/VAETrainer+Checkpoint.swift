import NN
import Optim
import TensorCore
import VAEModels

extension VAETrainer {
    /// The trainer's current state as a checkpoint (tensors shared with the model copy-on-write;
    /// nothing is moved or changed).
    public func checkpoint() -> TrainingCheckpoint {
        TrainingCheckpoint(
            info: TrainingCheckpoint.Info(
                configuration: model.configuration, completedEpochs: completedEpochs,
                globalStep: globalStep, seed: options.seed,
                generator: generator.snapshot, batchSize: options.batchSize,
                evaluationSampling: options.evaluationSampling, stepsPerEpoch: stepsPerEpoch),
            modelState: model.stateDict(), optimizerState: optimizer.state())
    }

    /// Writes ``checkpoint()`` to `path` atomically (see ``TrainingCheckpoint/write(to:)``). The model
    /// stays where it is, unchanged, in its mode.
    /// - Throws: ``CheckpointError/file(_:)``.
    public func saveCheckpoint(to path: String) throws(CheckpointError) {
        try checkpoint().write(to: path)
    }

    /// Restores the state written by ``saveCheckpoint(to:)``: model weights (moved to the model's
    /// device), optimizer moments, step counts and learning rate, completed epochs, global step,
    /// data seed and the noise generator's state. Training then continues exactly as the run that
    /// wrote the checkpoint would have.
    ///
    /// The model configuration is checked from the file's header before any tensor is read, and
    /// every tensor is checked before anything changes: when it throws, the trainer is untouched.
    /// - Parameter path: a checkpoint file, or a directory whose latest `checkpoint_<NNN>.safetensors` is used.
    /// The file's checksums are verified (see ``TrainingCheckpoint``), and its run must take as
    /// many steps per epoch as this trainer (same batch size and training set size), so that
    /// epochs and steps keep agreeing.
    /// - Returns: whether the file's checksums were verified (files of format version 1 have none).
    /// - Throws: ``CheckpointError`` (``CheckpointError/configurationMismatch(file:checkpoint:model:)``
    ///   names both models, ``CheckpointError/checksumMismatch(file:part:stored:computed:)`` the
    ///   corrupted part, ``CheckpointError/runMismatch(file:checkpointStepsPerEpoch:trainerStepsPerEpoch:checkpointBatchSize:)``
    ///   both step counts).
    @discardableResult
    public func loadCheckpoint(from path: String) throws(CheckpointError) -> TrainingCheckpoint.Verification {
        let file = try CheckpointFiles.resolve(path)
        let saved = try TrainingCheckpoint.read(from: file, expecting: model.configuration)
        let savedSteps =
            saved.info.stepsPerEpoch
            ?? (trainingSetCountForSteps + saved.info.batchSize - 1) / max(1, saved.info.batchSize)
        guard savedSteps == stepsPerEpoch else {
            throw .runMismatch(
                file: file, checkpointStepsPerEpoch: savedSteps, trainerStepsPerEpoch: stepsPerEpoch,
                checkpointBatchSize: saved.info.batchSize)
        }

        // Validate on a scratch copy so that a failure leaves model and optimizer as they were.
        let scratch = model.copy()
        do { try scratch.loadStateDict(saved.modelState) } catch { throw .modelState(file: file, error) }
        do {
            try Adam(scratch.namedParameters()).load(state: saved.optimizerState)
        } catch {
            throw .optimizerState(file: file, error)
        }

        do { try model.loadStateDict(saved.modelState) } catch { throw .modelState(file: file, error) }
        do { try optimizer.load(state: saved.optimizerState) } catch { throw .optimizerState(file: file, error) }
        generator.snapshot = saved.info.generator
        completedEpochs = saved.info.completedEpochs
        globalStep = saved.info.globalStep
        options.seed = saved.info.seed
        options.learningRate = optimizer.learningRate
        return saved.verification ?? .checksumsMatch
    }

    /// The training set's size, for the steps per epoch of a version-1 checkpoint.
    private var trainingSetCountForSteps: Int { trainingSet.count }
}
