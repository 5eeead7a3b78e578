import Data
import Distributed
import Synchronization
import TensorCore
import TestKit
import Training
import VAEModels

/// A mistake of data-parallel training planted into a ``VAEReplicaHarness``, to show that
/// TestKit's distributed checks catch it on the VAE trainer.
public enum VAEReplicaFault: String, Sendable, CaseIterable {
    /// The all-reduce averages instead of summing: the gradients (and the loss terms reduced with
    /// them) of a summed loss shrink by the number of ranks.
    case reductionAverages
    /// The gradients are averaged over the ranks, the loss terms summed: the all-reduce divides
    /// every value but the last four (the loss terms and the example count, which the trainer
    /// reduces after the gradients) by the number of ranks. Under Adam this changes the moments,
    /// hardly the steps.
    case gradientsAveraged
    /// The all-reduce of floats leaves each rank's values as they are: every rank steps on its own
    /// shard's gradient.
    case reductionSkipped
    /// The trainer never joins the group: every rank trains alone on the whole data, and writes.
    case notJoined
}

/// One rank of the VAE trainer in data-parallel training, as TestKit's distributed checks see it:
/// a fresh model from `seed` (the same on every rank) and a trainer on `dataset` that has joined
/// the rank's group, evaluating deterministically (``LatentSampling/mean``) on the first
/// `min(dataset.count, batchSize)` examples, writing checkpoints and a TensorBoard event file under
/// its directory (the event file is created at the first event, so a rank that logs nothing
/// writes nothing).
public final class VAEReplicaHarness: ReplicaHarness {
    /// The trainer under test.
    public let trainer: VAETrainer
    /// The training-set indices each ``trainEpoch(afterStep:)`` read, in order, one array per epoch
    /// (the trainer reads with 0 workers).
    public private(set) var samplesVisited: [[Int]] = []
    private let writer: ReplicaWriter
    private let reads = SampleReadLog()

    /// - Parameters:
    ///   - configuration: the model to build (initialised from `seed`).
    ///   - dataset: the training data; the first `min(count, batchSize)` examples are the evaluation data.
    ///   - batchSize: the global batch size.
    ///   - group: this rank's group.
    ///   - directory: where this rank may write (checkpoints, the event file).
    ///   - fault: a mistake to plant (``VAEReplicaFault``), or `nil` for the trainer as it is.
    /// - Throws: what making the model or the trainer, or joining the group, throws.
    public init(
        configuration: VAEConfiguration, dataset: any Dataset, batchSize: Int, seed: UInt64,
        group: ProcessGroup, directory: String, fault: VAEReplicaFault? = nil, device: Device = .cpu
    ) throws {
        let generator = RandomGenerator(seed: seed)
        let model = try configuration.makeModel(generator: generator, device: device)
        let options = VAETrainerOptions(
            learningRate: 1e-3, batchSize: batchSize, seed: seed, workers: 0, evaluationSampling: .mean,
            comparisonImages: 2, logsImageGrids: false, outputDirectory: directory)
        writer = ReplicaWriter(directory: directory)
        trainer = try VAETrainer(
            model: model, trainingSet: RecordedReads(base: dataset, log: reads),
            testSet: try Subset(ExistentialDataset(dataset), first: min(dataset.count, batchSize)), options: options,
            generator: generator, writer: writer)
        switch fault {
        case .reductionAverages, .gradientsAveraged, .reductionSkipped:
            try trainer.join(ProcessGroup(FaultyCommunicator(base: group.communicator, fault: fault!)))
        case .notJoined: break
        case nil: try trainer.join(group)
        }
    }

    public func trainEpoch(afterStep: (Int) throws -> Void) throws -> [Float] {
        let before = writer.recording.scalars(tag: "train/loss").count
        let trainer = trainer
        let hook = StepHook(firstStep: trainer.globalStep)
        try withoutActuallyEscaping(afterStep) { afterStep in
            // The trainer asks `stopRequested` before every step and once more at the end of the
            // epoch: each question reports the steps taken since the last one. An error of
            // `afterStep` stops the epoch and is rethrown below.
            let callback = UncheckedSendable(afterStep), steps = UncheckedSendable({ trainer.globalStep })
            trainer.stopRequested = { hook.catchUp(steps: steps.value(), callback.value) }
            defer { trainer.stopRequested = nil }
            reads.start()
            defer { samplesVisited.append(reads.stop()) }
            do {
                _ = try trainer.trainEpoch()
            } catch {
                if let failure = hook.failure { throw failure }
                throw error
            }
            if let failure = hook.failure { throw failure }
            _ = hook.catchUp(steps: trainer.globalStep, afterStep)
            if let failure = hook.failure { throw failure }
        }
        return writer.recording.scalars(tag: "train/loss").dropFirst(before).map(\.value)
    }

    public func evaluate() throws -> Float { try trainer.evaluate() }

    public func namedParameters() -> [(name: String, value: Tensor)] {
        trainer.model.namedParameters().map { ($0.name, $0.parameter.value) }
    }

    /// Adam's step count is left out; its moments by name.
    public func optimizerState() -> [(name: String, value: Tensor)] {
        let state = trainer.optimizer.state()
        return state.tensors.keys.sorted().map { ($0, state.tensors[$0]!) }
    }
}

/// TestKit distributed subjects for the VAE trainer.
extension TrainingSubjects {
    /// The VAE trainer in data-parallel training on `dataset` with global batch `batchSize`. The
    /// sampler checked is what the trainer really reads: each rank's recorded training reads over
    /// `samplerEpochs` epochs of a run on that many ranks (one run per world size, cached).
    public static func vaeDataParallel(
        name: String, configuration: VAEConfiguration, dataset: any Dataset, batchSize: Int, seed: UInt64 = 0,
        worldSizes: [Int] = [2, 3], samplerEpochs: Int = 5, fault: VAEReplicaFault? = nil, device: Device = .cpu
    ) -> DistributedSubject {
        let makeReplica: @Sendable (ProcessGroup, String) throws -> any ReplicaHarness = { group, directory in
            try VAEReplicaHarness(
                configuration: configuration, dataset: dataset, batchSize: batchSize, seed: seed, group: group,
                directory: directory, fault: fault, device: device)
        }
        let recorded = RecordedShards(epochs: samplerEpochs) { group, directory in
            try VAEReplicaHarness(
                configuration: configuration, dataset: dataset, batchSize: batchSize, seed: seed, group: group,
                directory: directory, fault: fault, device: device)
        }
        return DistributedSubject(
            name: name, exampleCount: dataset.count, worldSizes: worldSizes, samplerEpochs: samplerEpochs,
            sampler: { rank, size, epoch in try recorded.reads(worldSize: size)[rank][epoch] },
            makeReplica: makeReplica)
    }
}

/// The training reads of every rank of one run per world size, recorded once and then reused.
final class RecordedShards: Sendable {
    private let epochs: Int
    private let make: @Sendable (ProcessGroup, String) throws -> VAEReplicaHarness
    private let cache = Mutex<[Int: [[[Int]]]]>([:])

    init(epochs: Int, make: @escaping @Sendable (ProcessGroup, String) throws -> VAEReplicaHarness) {
        self.epochs = epochs
        self.make = make
    }

    /// `reads[rank][epoch]`: the indices rank `rank` read in `epoch` of a run on `worldSize` ranks.
    func reads(worldSize: Int) throws -> [[[Int]]] {
        if let known = cache.withLock({ $0[worldSize] }) { return known }
        let epochs = epochs, make = make
        let reads = try InProcessGroup.run(size: worldSize) { group in
            try withTemporaryDirectory(prefix: "vae-shards") { directory in
                let replica = try make(group, directory.path)
                for _ in 0..<epochs { _ = try replica.trainEpoch { _ in } }
                return replica.samplesVisited
            }
        }
        cache.withLock { $0[worldSize] = reads }
        return reads
    }
}

/// Calls the step callback once for every step the trainer has taken since the epoch began.
private final class StepHook: @unchecked Sendable {
    // Used only on the rank's thread that runs the epoch (`stopRequested` is called there).
    private let firstStep: Int
    private var reported = 0
    var failure: (any Error)?

    init(firstStep: Int) { self.firstStep = firstStep }

    /// Reports the steps up to global step `steps`; returns whether to stop (after a failure).
    func catchUp(steps: Int, _ afterStep: (Int) throws -> Void) -> Bool {
        guard failure == nil else { return true }
        while reported < steps - firstStep {
            do { try afterStep(reported) } catch {
                failure = error
                return true
            }
            reported += 1
        }
        return false
    }
}

/// A value used on one thread only, passed through a `@Sendable` closure.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An existential dataset as a concrete one (for the generic ``Subset``).
struct ExistentialDataset: Dataset {
    let base: any Dataset
    init(_ base: any Dataset) { self.base = base }
    var count: Int { base.count }
    func example(at index: Int, context: SampleContext) throws -> Example { try base.example(at: index, context: context) }
}

/// A ``RecordingWriter`` that also writes a TensorBoard event file under `directory`, created at
/// the first event (a rank that never logs leaves no file).
final class ReplicaWriter: SummaryWriter {
    let recording = RecordingWriter()
    private let directory: String
    private let file = Mutex<EventFileWriter?>(nil)

    init(directory: String) { self.directory = directory }

    private func eventFile() throws -> EventFileWriter {
        try file.withLock { current in
            if let current { return current }
            let made = try EventFileWriter(logDirectory: directory)
            current = made
            return made
        }
    }

    func scalar(tag: String, value: Float, step: Int) throws {
        try recording.scalar(tag: tag, value: value, step: step)
        try eventFile().scalar(tag: tag, value: value, step: step)
    }

    func image(tag: String, png: EncodedPNG, step: Int) throws {
        try recording.image(tag: tag, png: png, step: step)
        try eventFile().image(tag: tag, png: png, step: step)
    }

    func flush() throws {
        try recording.flush()
        try file.withLock { try $0?.flush() }
    }

    func close() throws {
        try recording.close()
        try file.withLock { try $0?.close() }
    }
}

/// A communicator whose float all-reduce is broken as `fault` says.
struct FaultyCommunicator: Communicator {
    let base: any Communicator
    let fault: VAEReplicaFault

    var rank: Int { base.rank }
    var size: Int { base.size }
    var engineName: String { "\(base.engineName), faulty all-reduce" }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {
        guard fault != .reductionSkipped else { return }
        try base.allReduceSum(values)
        let averaged = fault == .gradientsAveraged ? values.indices.dropLast(4) : values.indices.dropLast(0)
        for i in averaged { values[i] /= Float(size) }
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError) { try base.allReduceSum(values) }
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws(DistributedError) {
        try base.broadcast(bytes, root: root)
    }
    func allGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws(DistributedError) {
        try base.allGather(bytes, into: result)
    }
    func barrier() throws(DistributedError) { try base.barrier() }
    func abort(_ message: String, exitCode: Int32) -> Never { base.abort(message, exitCode: exitCode) }
}
