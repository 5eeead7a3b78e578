import TensorCore
import VAEModels

/// Why a ``VAETrainer`` could not be made or could not go on. Each case names the setting, the
/// dataset or the step involved.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A ``VAETrainerOptions`` setting is out of range.
    case invalidOption(name: String, value: String, requirement: String)
    /// The training or test set has no examples (`role` is `"training set"` or `"test set"`).
    case emptyDataset(role: String)
    /// The examples of a dataset do not have the shape the model takes.
    case inputShapeMismatch(role: String, found: [Int], model: VAEConfiguration)
    /// A tensor operation was misused during `stage` (e.g. `"training step 12"`); shape misuse
    /// inside the model is thrown here rather than stopping the process.
    case tensorFailure(stage: String, TensorError)
    /// A batch could not be moved to the model's device.
    case device(stage: String, DeviceError)
    /// A file next to the checkpoints (an image grid) could not be written.
    case cannotWrite(path: String, reason: String)
    /// A step's loss is NaN or infinite (`losses` are the step's reconstruction, KL and total);
    /// training stops rather than logging it. ``VAETrainerOptions/detectsAnomalies`` finds the
    /// operation that produced it.
    case nonFiniteLoss(stage: String, reconstruction: Float, kl: Float, total: Float)
    /// With ``VAETrainerOptions/detectsAnomalies``: the first operation that produced a NaN or an
    /// infinity during `stage`, before the optimizer applied the step.
    case numericalAnomaly(stage: String, NumericalAnomaly)
    /// ``VAETrainer/stopRequested`` asked to stop before training step `step` of epoch `epoch`
    /// (0-based); the epoch in progress is abandoned, the last checkpoint is where to resume.
    case interrupted(epoch: Int, step: Int)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let requirement):
            return "invalid trainer option \(name) = \(value): \(requirement)"
        case .emptyDataset(let role):
            return "the \(role) is empty: at least one example is needed"
        case .inputShapeMismatch(let role, let found, let model):
            return "the \(role) yields examples of shape \(found), but the model (\(model)) takes \(model.inputShape)"
        case .tensorFailure(let stage, let error):
            return "\(stage) failed: \(error)"
        case .device(let stage, let error):
            return "\(stage): \(error)"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .nonFiniteLoss(let stage, let reconstruction, let kl, let total):
            return "\(stage): the loss is not finite (reconstruction \(reconstruction), KL \(kl), total \(total)); "
                + "training stopped. Run again with anomaly detection (vae-train --detect-anomaly) to find the operation that produced it"
        case .numericalAnomaly(let stage, let anomaly):
            return "\(stage) stopped: \(anomaly)"
        case .interrupted(let epoch, let step):
            return "training stopped on request before step \(step) (epoch \(epoch)); the epoch in progress is abandoned"
        }
    }
}
