import NN
import Optim
import TensorCore
import VAEModels

/// Why a checkpoint could not be written, found, or loaded. Every case names the file (or
/// directory); nothing of the trainer changes when loading throws.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The safetensors file could not be read or written (the error names the file and the problem).
    case file(SafeTensorsError)
    /// The file is a safetensors file but not a trainer checkpoint, or a metadata field is unusable.
    case notACheckpoint(file: String, reason: String)
    /// The checkpoint was written by a newer format version.
    case unsupportedVersion(file: String, found: String, supported: Int)
    /// The checkpoint holds another model than the one it is loaded into.
    case configurationMismatch(file: String, checkpoint: VAEConfiguration, model: VAEConfiguration)
    /// The model tensors do not fit the model (missing, unexpected or misshapen keys).
    case modelState(file: String, StateDictError)
    /// The optimizer tensors or settings do not fit the optimizer.
    case optimizerState(file: String, OptimizerError)
    /// A directory given to resume from holds no `checkpoint_<NNN>.safetensors` (NNN: the 0-based epoch).
    case noCheckpoint(directory: String)
    /// The path is not a regular file (`kind` says what it is: a FIFO, a device, …); nothing was opened.
    case notARegularFile(file: String, kind: String)
    /// A stored checksum does not match the file's contents: it was corrupted after it was written.
    case checksumMismatch(file: String, part: ChecksummedPart, stored: String, computed: String)
    /// The metadata contradicts itself, or a tensor holds a value no training can produce.
    case inconsistent(file: String, reason: String)
    /// The checkpoint's run and the trainer loading it take different numbers of steps per epoch
    /// (another batch size or training set), so epochs and steps would no longer agree.
    case runMismatch(file: String, checkpointStepsPerEpoch: Int, trainerStepsPerEpoch: Int, checkpointBatchSize: Int)

    /// The part of a checkpoint a checksum covers.
    public enum ChecksummedPart: String, Sendable, Hashable {
        /// The data section: every tensor's bytes.
        case tensorData = "tensor data"
        /// The metadata: epoch, global step, seed, generator, learning rate and the other settings.
        case trainingMetadata = "training metadata (epoch, global step, seed, learning rate, …)"
    }

    public var description: String {
        switch self {
        case .file(let error):
            return "checkpoint \(error)"
        case .notACheckpoint(let file, let reason):
            return "\(file) is not a DeepTrust VAE trainer checkpoint: \(reason)"
        case .unsupportedVersion(let file, let found, let supported):
            return "\(file): checkpoint format version \(found) is newer than this program reads (\(supported)); update DeepTrust"
        case .configurationMismatch(let file, let checkpoint, let model):
            return "\(file) is a checkpoint of another model: it holds (\(checkpoint)), the model to load it into is "
                + "(\(model)); make the model with the checkpoint's configuration (architecture "
                + "\(checkpoint.architecture.rawValue), bottleneck \(checkpoint.bottleneck), input \(checkpoint.inputShape))"
        case .modelState(let file, let error):
            return "\(file): the model tensors do not fit the model: \(error)"
        case .optimizerState(let file, let error):
            return "\(file): the optimizer state does not fit the optimizer: \(error)"
        case .noCheckpoint(let directory):
            return "\(directory) holds no checkpoint (no file named checkpoint_<NNN>.safetensors)"
        case .notARegularFile(let file, let kind):
            return "checkpoint \(file) is \(kind), not a regular file; give a checkpoint file or the directory holding it"
        case .checksumMismatch(let file, let part, let stored, let computed):
            return "checkpoint \(file) is corrupted: its \(part.rawValue) does not match the stored CRC-32C "
                + "(stored \(stored), computed \(computed)); resume from an earlier checkpoint"
        case .inconsistent(let file, let reason):
            return "checkpoint \(file) is corrupted: \(reason)"
        case .runMismatch(let file, let saved, let trainer, let batchSize):
            return "\(file) comes from a run of \(saved) steps per epoch (batch size \(batchSize)), this one would take "
                + "\(trainer); resume with the run's batch size and training set"
        }
    }
}
