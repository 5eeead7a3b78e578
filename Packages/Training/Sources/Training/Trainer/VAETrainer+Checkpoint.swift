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
                evaluationSampling: options.evaluationSampling),
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
    /// - Parameter path: a checkpoint file, or a directory whose latest `checkpoint_<epoch>.safetensors` is used.
    /// - Throws: ``CheckpointError`` (``CheckpointError/configurationMismatch(file:checkpoint:model:)``
    ///   names both models).
    public func loadCheckpoint(from path: String) throws(CheckpointError) {
        let file = try CheckpointFiles.resolve(path)
        let saved = try TrainingCheckpoint.read(from: file, expecting: model.configuration)

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
    }
}
