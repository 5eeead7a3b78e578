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
/// | `format`, `format_version` | `deeptrust.vae-trainer-checkpoint`, `2` |
/// | `configuration` | the ``VAEConfiguration`` as JSON (`{"architecture":"mlp","bottleneck":16,"inputShape":[1,32,32]}`) |
/// | `epoch`, `global_step` | completed epochs and optimisation steps |
/// | `seed` | the data seed (training order and augmentation) |
/// | `generator` | the noise generator's state: `{"seed":"…","offsets":{"<stream>":"<next block>"}}` |
/// | `optimizer`, `optimizer_step_count`, `optimizer_hyperparameters` | `Adam`, its steps, `{"lr":…,"beta1":…,…}` |
/// | `batch_size`, `evaluation_sampling` | the run's settings, for reference |
/// | `steps_per_epoch` | optimisation steps of one epoch of the run (format version 2) |
/// | `data_crc32c` | CRC-32C of the data section (every byte after the header), 8 hex digits (version 2) |
/// | `metadata_crc32c` | CRC-32C of every other metadata entry, sorted by key (UTF-8 order), each as key, NUL, value, NUL (version 2) |
///
/// Every loader verifies both checksums and refuses a file whose tensor data or training metadata
/// does not match (a flipped bit), then checks that the metadata agrees with itself (epoch, global
/// step and steps per epoch; optimizer steps) and that the tensors are possible (finite values,
/// second moments ≥ 0). Files of format version 1 carry no checksums; they still load, and
/// ``verification`` says that they could not be verified.
public struct TrainingCheckpoint: Sendable {
    /// The value of the `format` metadata key.
    public static let format = "deeptrust.vae-trainer-checkpoint"
    /// The format version written (2: with checksums); newer versions are refused, version 1 (no
    /// checksums) is read.
    public static let formatVersion = 2

    /// Whether a checkpoint read from a file was checked against its stored checksums.
    public enum Verification: Sendable, Hashable, CustomStringConvertible {
        /// The tensor data and the training metadata match their CRC-32C checksums.
        case checksumsMatch
        /// The file has no checksums (format version 1, written before they were stored): its
        /// contents could not be verified.
        case noChecksums(formatVersion: Int)

        public var description: String {
            switch self {
            case .checksumsMatch:
                return "checksums of the tensor data and the training metadata match"
            case .noChecksums(let version):
                return "written in format version \(version), without checksums: its contents could not be verified"
            }
        }
    }

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
        /// Optimisation steps of one epoch of the run; `nil` in files of format version 1.
        public var stepsPerEpoch: Int?

        /// The training state of a checkpoint; the parameters set the properties of the same names.
        public init(
            configuration: VAEConfiguration, completedEpochs: Int, globalStep: Int, seed: UInt64,
            generator: RandomGeneratorState, batchSize: Int, evaluationSampling: LatentSampling,
            stepsPerEpoch: Int? = nil
        ) {
            self.stepsPerEpoch = stepsPerEpoch
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
    /// For a checkpoint read from a file: whether its checksums were verified; `nil` for one made
    /// in memory.
    public internal(set) var verification: Verification?

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
            // The data section does not depend on the metadata: encode once to checksum it.
            let encoded = try SafeTensors.encode(tensors)
            let headerLength = encoded.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
            var metadata = self.metadata
            metadata[Self.dataChecksumKey] = Self.hex(
                encoded.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(8 + headerLength)...])) })
            metadata[Self.metadataChecksumKey] = Self.hex(Self.metadataChecksum(metadata))
            try SafeTensors.write(tensors, metadata: metadata, to: path)
        } catch {
            throw .file(error)
        }
    }

    /// The metadata key of the tensor data's CRC-32C.
    public static let dataChecksumKey = "data_crc32c"
    /// The metadata key of the other metadata entries' CRC-32C.
    public static let metadataChecksumKey = "metadata_crc32c"

    /// The CRC-32C of every entry of `metadata` except ``metadataChecksumKey``, sorted by key in
    /// UTF-8 byte order, each as the key's bytes, a NUL byte, the value's bytes and a NUL byte.
    public static func metadataChecksum(_ metadata: [String: String]) -> UInt32 {
        var bytes: [UInt8] = []
        let keys = metadata.keys.filter { $0 != metadataChecksumKey }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for key in keys {
            bytes += Array(key.utf8) + [0] + Array(metadata[key]!.utf8) + [0]
        }
        return CRC32C.checksum(bytes)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Reads only the metadata of the checkpoint at `path` (no tensor data), verifying the
    /// metadata's checksum (the data's is verified by ``read(from:expecting:)``).
    /// - Throws: ``CheckpointError/notARegularFile(file:kind:)``, ``CheckpointError/file(_:)``,
    ///   ``CheckpointError/notACheckpoint(file:reason:)``,
    ///   ``CheckpointError/unsupportedVersion(file:found:supported:)``,
    ///   ``CheckpointError/checksumMismatch(file:part:stored:computed:)``,
    ///   ``CheckpointError/inconsistent(file:reason:)``.
    public static func readInfo(from path: String) throws(CheckpointError) -> Info {
        try CheckpointFiles.requireRegularFile(path)
        let header: SafeTensorsHeader
        do { header = try SafeTensors.readHeader(path) } catch { throw .file(error) }
        return try parse(header.metadata, file: path).info
    }

    /// Reads the checkpoint at `path`, verifying its checksums (see the type's description). With
    /// `expected`, the file's model configuration is checked first, from the header alone, so a
    /// checkpoint of another model fails before any tensor is read.
    /// - Throws: ``CheckpointError/configurationMismatch(file:checkpoint:model:)`` naming both
    ///   configurations, ``CheckpointError/checksumMismatch(file:part:stored:computed:)`` naming the
    ///   part that does not match, ``CheckpointError/inconsistent(file:reason:)`` for impossible
    ///   values, or the errors of ``readInfo(from:)``.
    public static func read(from path: String, expecting expected: VAEConfiguration? = nil) throws(CheckpointError)
        -> TrainingCheckpoint
    {
        try CheckpointFiles.requireRegularFile(path)
        let header: SafeTensorsHeader
        do { header = try SafeTensors.readHeader(path) } catch { throw .file(error) }
        let (info, optimizerName, optimizerSteps, hyperparameters) = try parse(header.metadata, file: path)
        if let expected, expected != info.configuration {
            throw .configurationMismatch(file: path, checkpoint: info.configuration, model: expected)
        }
        let bytes = try CheckpointFiles.readAll(path)
        let dataStart = 8 + header.headerLength
        let verification: Verification
        if let stored = header.metadata[dataChecksumKey] {
            guard bytes.count >= dataStart else {
                throw .file(SafeTensorsError(file: path, .fileTooShort(size: bytes.count)))
            }
            let computed = hex(bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[dataStart...])) })
            guard stored == computed else {
                throw .checksumMismatch(file: path, part: .tensorData, stored: stored, computed: computed)
            }
            verification = .checksumsMatch
        } else {
            verification = .noChecksums(formatVersion: Int(header.metadata["format_version"] ?? "") ?? 1)
        }
        let file: SafeTensorsFile
        do { file = try SafeTensors.decode(bytes, source: path) } catch { throw .file(error) }
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
        try checkPossible(modelState: modelState, optimizerTensors: optimizerTensors, optimizerSteps: optimizerSteps, file: path)
        var checkpoint = TrainingCheckpoint(
            info: info, modelState: modelState,
            optimizerState: OptimizerState(
                optimizer: optimizerName, stepCount: optimizerSteps,
                tensors: optimizerTensors, hyperparameters: hyperparameters))
        checkpoint.verification = verification
        return checkpoint
    }

    /// Refuses tensors no training can produce: non-finite values, negative second moments, step
    /// counts that are not whole numbers or exceed the optimizer's.
    private static func checkPossible(
        modelState: [String: Tensor], optimizerTensors: [String: Tensor], optimizerSteps: Int, file: String
    ) throws(CheckpointError) {
        for (name, tensor) in modelState.sorted(by: { $0.key < $1.key }) {
            if let bad = tensor.scalars.first(where: { !$0.isFinite }) {
                throw .inconsistent(file: file, reason: "tensor 'model.\(name)' holds the non-finite value \(bad)")
            }
        }
        for (name, tensor) in optimizerTensors.sorted(by: { $0.key < $1.key }) {
            let scalars = tensor.scalars
            if let bad = scalars.first(where: { !$0.isFinite }) {
                throw .inconsistent(file: file, reason: "tensor 'optimizer.\(name)' holds the non-finite value \(bad)")
            }
            if name.hasSuffix(".exp_avg_sq"), let bad = scalars.first(where: { $0 < 0 }) {
                throw .inconsistent(
                    file: file, reason: "tensor 'optimizer.\(name)' (a second moment) holds the negative value \(bad)")
            }
            if name.hasSuffix(".step"),
                let bad = scalars.first(where: { $0 < 0 || $0 != $0.rounded() || Double($0) > Double(optimizerSteps) })
            {
                throw .inconsistent(
                    file: file,
                    reason: "tensor 'optimizer.\(name)' holds step \(bad), not a whole number in 0...\(optimizerSteps) "
                        + "(optimizer_step_count)")
            }
        }
    }

    // MARK: - Metadata

    /// The JSON form of ``RandomGeneratorState``: numbers as decimal strings, so 64-bit values
    /// survive readers that parse JSON numbers as doubles.
    private struct GeneratorJSON: Codable {
        var seed: String
        var offsets: [String: String]
    }

    /// The training state's metadata entries (see the table above); ``write(to:)`` adds
    /// `data_crc32c` and `metadata_crc32c`.
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
        ].merging(info.stepsPerEpoch.map { ["steps_per_epoch": String($0)] } ?? [:]) { $1 }
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
        let storedData = metadata[dataChecksumKey], storedMetadata = metadata[metadataChecksumKey]
        if number >= 2 || storedData != nil || storedMetadata != nil {
            guard let storedMetadata else {
                throw .notACheckpoint(file: file, reason: "its metadata has no '\(metadataChecksumKey)' entry")
            }
            let computed = hex(metadataChecksum(metadata))
            guard storedMetadata == computed else {
                throw .checksumMismatch(file: file, part: .trainingMetadata, stored: storedMetadata, computed: computed)
            }
            guard storedData != nil else {
                throw .notACheckpoint(file: file, reason: "its metadata has no '\(dataChecksumKey)' entry")
            }
        }

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
            evaluationSampling: sampling,
            stepsPerEpoch: metadata["steps_per_epoch"] == nil ? nil : try integer("steps_per_epoch", in: metadata, file: file))
        let hyperparameters: [String: Double] = try decodeJSON("optimizer_hyperparameters", in: metadata, file: file)
        let optimizerSteps = try integer("optimizer_step_count", in: metadata, file: file)
        try checkConsistency(info, optimizerSteps: optimizerSteps, hyperparameters: hyperparameters, file: file)
        return (info, try field("optimizer", in: metadata, file: file), optimizerSteps, hyperparameters)
    }

    /// The metadata agrees with itself: optimizer steps = global step; with steps per epoch,
    /// `epoch × steps_per_epoch ≤ global_step < (epoch + 1) × steps_per_epoch`; a positive, finite
    /// learning rate.
    private static func checkConsistency(
        _ info: Info, optimizerSteps: Int, hyperparameters: [String: Double], file: String
    ) throws(CheckpointError) {
        guard optimizerSteps == info.globalStep else {
            throw .inconsistent(
                file: file,
                reason:
                    "optimizer_step_count \(optimizerSteps) differs from global_step \(info.globalStep) (one optimizer step per training step)"
            )
        }
        if let steps = info.stepsPerEpoch {
            let (first, overflow) = info.completedEpochs.multipliedReportingOverflow(by: steps)
            guard steps >= 1, !overflow, info.globalStep >= first, info.globalStep - first < steps else {
                throw .inconsistent(
                    file: file,
                    reason:
                        "epoch \(info.completedEpochs) with \(steps) steps per epoch does not fit global_step \(info.globalStep) "
                        + "(expected epoch × steps_per_epoch ≤ global_step < (epoch + 1) × steps_per_epoch)")
            }
        } else if info.globalStep < info.completedEpochs {
            throw .inconsistent(
                file: file,
                reason: "global_step \(info.globalStep) is less than epoch \(info.completedEpochs) (every epoch takes a step)")
        }
        if let rate = hyperparameters["lr"], !(rate.isFinite && rate > 0) {
            throw .inconsistent(file: file, reason: "the learning rate \(rate) is not a finite number > 0")
        }
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
