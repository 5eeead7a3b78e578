import Distributed
import TensorCore

/// One rank of a data-parallel trainer as the distributed checks see it: a small adapter over a
/// trainer that has joined a ``Distributed/ProcessGroup`` (TestKit knows no concrete trainer).
///
/// The checks make one replica per rank with ``DistributedSubject/makeReplica``, each on its own
/// thread of an ``Distributed/InProcessGroup``, and call the same methods on every rank in the same
/// order, so the replica's collectives meet. A replica is only ever called from its rank's thread.
public protocol ReplicaHarness: AnyObject {
    /// Trains one epoch on this rank's shares of the global batches, calling `afterStep` after every
    /// optimiser step with the step's index in the epoch (0, 1, …), and returns the training loss of
    /// each step's **global** batch, in order. Rank 0 must return them; other ranks may return `[]`.
    func trainEpoch(afterStep: (_ step: Int) throws -> Void) throws -> [Float]

    /// The evaluation metric over the whole evaluation data (every rank calls it: it may be a
    /// collective); must be deterministic.
    func evaluate() throws -> Float

    /// The trainable parameters by dotted name.
    func namedParameters() -> [(name: String, value: Tensor)]

    /// The optimiser's state tensors (moments, momentum buffers) by name, compared by
    /// ``DistributedCheck/matchesSingleProcess``. Default: none.
    func optimizerState() -> [(name: String, value: Tensor)]
}

extension ReplicaHarness {
    /// The default: no optimiser state is compared.
    public func optimizerState() -> [(name: String, value: Tensor)] { [] }
}

/// A data-parallel trainer under test: its sampler, how to make one replica on a rank, and on how
/// many ranks to try it.
///
/// Either part may be absent; the checks that need it are then skipped with the reason.
///
/// ```swift
/// let subject = DistributedSubject(
///     name: "my trainer", exampleCount: 12,
///     sampler: { rank, size, epoch in
///         try DistributedSampler(count: 12, globalBatchSize: 4, rank: rank, worldSize: size, shuffle: true, seed: 1)
///             .indices(epoch: epoch)
///     },
///     makeReplica: { group, directory in try MyReplica(group: group, outputDirectory: directory) })
/// ```
public struct DistributedSubject: CheckSubject {
    /// A short name for reports.
    public var name: String
    /// Number of examples the sampler draws from (indices `0 ..< exampleCount`).
    public var exampleCount: Int
    /// The dataset indices rank `rank` of `worldSize` reads in `epoch`, in order; `nil` when there is
    /// no sampler to check (``DistributedCheck/shardsPartitionEachEpoch`` and
    /// ``DistributedCheck/orderChangesBetweenEpochs`` are skipped).
    public var sampler: (@Sendable (_ rank: Int, _ worldSize: Int, _ epoch: Int) throws -> [Int])?
    /// Makes a fresh replica (same initial state on every call, modulo what the trainer broadcasts)
    /// for the rank of `group`, writing whatever it writes (logs, checkpoints) under `directory`, a
    /// fresh empty directory per rank; `nil` skips the checks that train.
    public var makeReplica: (@Sendable (_ group: ProcessGroup, _ directory: String) throws -> any ReplicaHarness)?
    /// The group sizes to try (each > 1); the trained checks compare each with one process.
    public var worldSizes: [Int]
    /// Epochs of the sampler examined (≥ 2).
    public var samplerEpochs: Int
    /// Largest relative difference between an `N`-rank loss and the one-process loss
    /// (``DistributedCheck/matchesSingleProcess``).
    public var relativeTolerance: Double
    /// Largest relative difference, in norm, between a parameter or optimiser-state tensor after one
    /// epoch on `N` ranks and after one epoch in one process (``DistributedCheck/matchesSingleProcess``).
    public var stateTolerance: Double
    /// How long one collective may wait for the other ranks before the check fails.
    public var timeoutSeconds: Double
    /// Checks that do not apply, with the reason (reported as skipped).
    public var skipped: [DistributedCheck: String]

    /// Describes a data-parallel trainer under test; the parameters set the properties of the same names.
    public init(
        name: String, exampleCount: Int, worldSizes: [Int] = [2, 3], samplerEpochs: Int = 5,
        relativeTolerance: Double = 1e-5, stateTolerance: Double = 1e-4, timeoutSeconds: Double = 120,
        skipped: [DistributedCheck: String] = [:],
        sampler: (@Sendable (_ rank: Int, _ worldSize: Int, _ epoch: Int) throws -> [Int])? = nil,
        makeReplica: (@Sendable (_ group: ProcessGroup, _ directory: String) throws -> any ReplicaHarness)? = nil
    ) {
        self.name = name
        self.exampleCount = exampleCount
        self.sampler = sampler
        self.makeReplica = makeReplica
        self.worldSizes = worldSizes
        self.samplerEpochs = samplerEpochs
        self.relativeTolerance = relativeTolerance
        self.stateTolerance = stateTolerance
        self.timeoutSeconds = timeoutSeconds
        self.skipped = skipped
    }
}
