import FoundationEssentials
import Optim
import TensorCore
import VAEModels

/// Everything a ``VAETrainer`` needs to continue a run exactly, as one safetensors file.
///
/// Tensors: the model's state dict under `model.<key>` (`model.encoder.1.weight`, …) and the
/// optimizer's state under `optimizer.<parameter>.<entry>` (`optimizer.encoder.1.weight.exp_avg`,
/// `….exp_avg_sq`, `….step`), all Float32. Metadata (strings, readable with Python's `safetensors`):
///
/// | key | value |
/// |-----|-------|
/// | `format`, `format_version` | `deeptrust.vae-trainer-checkpoint`, `1` |
/// | `configuration` | the ``VAEConfiguration`` as JSON (`{"architecture":"mlp","bottleneck":16,"inputShape":[1,32,32]}`) |
/// | `epoch`, `global_step` | completed epochs and optimisation steps |
/// | `seed` | the data seed (training order and augmentation) |
/// | `generator` | the noise generator's state: `{"seed":"…","offsets":{"<stream>":"<next block>"}}` |
/// | `optimizer`, `optimizer_step_count`, `optimizer_hyperparameters` | `Adam`, its steps, `{"lr":…,"beta1":…,…}` |
/// | `batch_size`, `evaluation_sampling` | the run's settings, for reference |
public struct TrainingCheckpoint: Sendable {
    /// The value of the `format` metadata key.
    public static let format = "deeptrust.vae-trainer-checkpoint"
    /// The format version written; newer versions are refused.
    public static let formatVersion = 1

    /// The training state stored in the metadata.
    public struct Info: Sendable, Hashable {
        /// The model the tensors belong to.
        public var configuration: VAEConfiguration
        /// Epochs completed when the checkpoint was written.
        public var completedEpochs: Int
        /// Optimisation steps taken.
        public var globalStep: Int
        /// The data seed.
        public var seed: UInt64
        /// The noise generator's seed and stream offsets.
        public var generator: RandomGeneratorState
        /// The run's batch size, kept for reference (loading does not change the trainer's).
        public var batchSize: Int
        /// The run's ``VAETrainerOptions/evaluationSampling``, kept for reference (loading does not
        /// change the trainer's).
        public var evaluationSampling: LatentSampling

        /// The training state of a checkpoint; the parameters set the properties of the same names.
        public init(
            configuration: VAEConfiguration, completedEpochs: Int, globalStep: Int, seed: UInt64,
            generator: RandomGeneratorState, batchSize: Int, evaluationSampling: LatentSampling
        ) {
            self.configuration = configuration
            self.completedEpochs = completedEpochs
            self.globalStep = globalStep
            self.seed = seed
            self.generator = generator
            self.batchSize = batchSize
            self.evaluationSampling = evaluationSampling
        }
    }

    /// The training state, stored in the file's metadata.
    public var info: Info
    /// The model's state dict.
    public var modelState: [String: Tensor]
    /// The optimizer's state (tensors, step count, hyperparameters).
    public var optimizerState: OptimizerState

    /// A checkpoint of `info`, the model's state dict `modelState` (keys as `Module.stateDict()`
    /// names them, e.g. `encoder.1.weight`, without the `model.` prefix of the file) and the
    /// optimizer's `optimizerState`. Tensors may live on any device; nothing is copied until
    /// ``write(to:)``. ``VAETrainer/checkpoint()`` makes the checkpoint of a trainer.
    public init(info: Info, modelState: [String: Tensor], optimizerState: OptimizerState) {
        self.info = info
        self.modelState = modelState
        self.optimizerState = optimizerState
    }

    private static let modelPrefix = "model.", optimizerPrefix = "optimizer."

    /// Writes the checkpoint to `path` atomically (temporary file, flush, rename); tensors on any
    /// device are copied to the host, nothing is moved or changed.
    /// - Throws: ``CheckpointError/file(_:)`` naming the path.
    public func write(to path: String) throws(CheckpointError) {
        var tensors: [String: Tensor] = [:]
        for (key, tensor) in modelState { tensors[Self.modelPrefix + key] = tensor }
        for (key, tensor) in optimizerState.tensors { tensors[Self.optimizerPrefix + key] = tensor }
        do {
            try SafeTensors.write(tensors, metadata: metadata, to: path)
        } catch {
            throw .file(error)
        }
    }

    /// Reads only the metadata of the checkpoint at `path` (no tensor data).
    /// - Throws: ``CheckpointError/file(_:)``, ``CheckpointError/notACheckpoint(file:reason:)``,
    ///   ``CheckpointError/unsupportedVersion(file:found:supported:)``.
    public static func readInfo(from path: String) throws(CheckpointError) -> Info {
        let header: SafeTensorsHeader
        do { header = try SafeTensors.readHeader(path) } catch { throw .file(error) }
        return try parse(header.metadata, file: path).info
    }

    /// Reads the checkpoint at `path`. With `expected`, the file's model configuration is checked
    /// first, from the header alone, so a checkpoint of another model fails before any tensor is read.
    /// - Throws: ``CheckpointError/configurationMismatch(file:checkpoint:model:)`` naming both
    ///   configurations, or the errors of ``readInfo(from:)``.
    public static func read(from path: String, expecting expected: VAEConfiguration? = nil) throws(CheckpointError)
        -> TrainingCheckpoint
    {
        let header: SafeTensorsHeader
        do { header = try SafeTensors.readHeader(path) } catch { throw .file(error) }
        let (info, optimizerName, optimizerSteps, hyperparameters) = try parse(header.metadata, file: path)
        if let expected, expected != info.configuration {
            throw .configurationMismatch(file: path, checkpoint: info.configuration, model: expected)
        }
        let file: SafeTensorsFile
        do { file = try SafeTensors.read(path) } catch { throw .file(error) }
        var modelState: [String: Tensor] = [:], optimizerTensors: [String: Tensor] = [:]
        for (name, tensor) in file.tensors {
            if name.hasPrefix(modelPrefix) {
                modelState[String(name.dropFirst(modelPrefix.count))] = tensor
            } else if name.hasPrefix(optimizerPrefix) {
                optimizerTensors[String(name.dropFirst(optimizerPrefix.count))] = tensor
            } else {
                throw .notACheckpoint(file: path, reason: "tensor '\(name)' is neither a model.* nor an optimizer.* entry")
            }
        }
        return TrainingCheckpoint(
            info: info, modelState: modelState,
            optimizerState: OptimizerState(
                optimizer: optimizerName, stepCount: optimizerSteps,
                tensors: optimizerTensors, hyperparameters: hyperparameters))
    }

    // MARK: - Metadata

    /// The JSON form of ``RandomGeneratorState``: numbers as decimal strings, so 64-bit values
    /// survive readers that parse JSON numbers as doubles.
    private struct GeneratorJSON: Codable {
        var seed: String
        var offsets: [String: String]
    }

    /// The metadata entries written to the file (see the table above).
    public var metadata: [String: String] {
        let generator = GeneratorJSON(
            seed: String(info.generator.seed),
            offsets: Dictionary(uniqueKeysWithValues: info.generator.offsets.map { (String($0.key), String($0.value)) }))
        return [
            "format": Self.format,
            "format_version": String(Self.formatVersion),
            "configuration": Self.json(info.configuration),
            "epoch": String(info.completedEpochs),
            "global_step": String(info.globalStep),
            "seed": String(info.seed),
            "generator": Self.json(generator),
            "optimizer": optimizerState.optimizer,
            "optimizer_step_count": String(optimizerState.stepCount),
            "optimizer_hyperparameters": Self.json(optimizerState.hyperparameters),
            "batch_size": String(info.batchSize),
            "evaluation_sampling": info.evaluationSampling.rawValue,
        ]
    }

    private static func parse(_ metadata: [String: String], file: String) throws(CheckpointError)
        -> (info: Info, optimizer: String, optimizerSteps: Int, hyperparameters: [String: Double])
    {
        guard let format = metadata["format"] else {
            throw .notACheckpoint(file: file, reason: "its metadata has no 'format' entry")
        }
        guard format == Self.format else {
            throw .notACheckpoint(file: file, reason: "its format is '\(format)', expected '\(Self.format)'")
        }
        let version = try field("format_version", in: metadata, file: file)
        guard let number = Int(version), number >= 1 else {
            throw .notACheckpoint(file: file, reason: "format_version '\(version)' is not a version number")
        }
        guard number <= formatVersion else { throw .unsupportedVersion(file: file, found: version, supported: formatVersion) }

        let configuration: VAEConfiguration = try decodeJSON("configuration", in: metadata, file: file)
        let generatorJSON: GeneratorJSON = try decodeJSON("generator", in: metadata, file: file)
        var offsets: [UInt64: UInt64] = [:]
        for (stream, offset) in generatorJSON.offsets {
            guard let key = UInt64(stream), let value = UInt64(offset) else {
                throw .notACheckpoint(
                    file: file, reason: "generator offset \(stream): \(offset) is not a pair of unsigned integers")
            }
            offsets[key] = value
        }
        guard let generatorSeed = UInt64(generatorJSON.seed) else {
            throw .notACheckpoint(file: file, reason: "generator seed '\(generatorJSON.seed)' is not an unsigned integer")
        }
        let samplingText = try field("evaluation_sampling", in: metadata, file: file)
        guard let sampling = LatentSampling(rawValue: samplingText) else {
            throw .notACheckpoint(
                file: file,
                reason: "evaluation_sampling '\(samplingText)' is not one of "
                    + LatentSampling.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let info = Info(
            configuration: configuration,
            completedEpochs: try integer("epoch", in: metadata, file: file),
            globalStep: try integer("global_step", in: metadata, file: file),
            seed: try unsigned("seed", in: metadata, file: file),
            generator: RandomGeneratorState(seed: generatorSeed, offsets: offsets),
            batchSize: try integer("batch_size", in: metadata, file: file),
            evaluationSampling: sampling)
        let hyperparameters: [String: Double] = try decodeJSON("optimizer_hyperparameters", in: metadata, file: file)
        return (
            info, try field("optimizer", in: metadata, file: file),
            try integer("optimizer_step_count", in: metadata, file: file), hyperparameters
        )
    }

    private static func field(_ key: String, in metadata: [String: String], file: String) throws(CheckpointError) -> String {
        guard let value = metadata[key] else { throw .notACheckpoint(file: file, reason: "its metadata has no '\(key)' entry") }
        return value
    }

    private static func integer(_ key: String, in metadata: [String: String], file: String) throws(CheckpointError) -> Int {
        let text = try field(key, in: metadata, file: file)
        guard let value = Int(text), value >= 0 else {
            throw .notACheckpoint(file: file, reason: "\(key) '\(text)' is not a non-negative integer")
        }
        return value
    }

    private static func unsigned(_ key: String, in metadata: [String: String], file: String) throws(CheckpointError) -> UInt64 {
        let text = try field(key, in: metadata, file: file)
        guard let value = UInt64(text) else {
            throw .notACheckpoint(file: file, reason: "\(key) '\(text)' is not an unsigned integer")
        }
        return value
    }

    private static func decodeJSON<T: Decodable>(_ key: String, in metadata: [String: String], file: String)
        throws(CheckpointError) -> T
    {
        let text = try field(key, in: metadata, file: file)
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw .notACheckpoint(file: file, reason: "\(key) is not valid JSON of the expected form (\(error))")
        }
    }

    private static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain structs, dictionaries and strings cannot fail.
        guard let data = try? encoder.encode(value) else { preconditionFailure("JSON encoding of \(T.self) failed") }
        return String(decoding: data, as: UTF8.self)
    }
}
