import TensorCore

/// A trainer as the trainer checks see it: a small adapter a training library writes once over
/// its own trainer (TestKit knows no concrete trainer).
///
/// A harness is made by ``TrainerSubject/makeTrainer`` for one seed, on a small dataset chosen
/// for checking (for example 4 samples, batch 4: one step per epoch). Every method runs on the
/// caller's thread; the checks never call a harness from two threads.
public protocol TrainerHarness: AnyObject {
    /// Runs one optimisation step on the next batch and returns its training loss.
    func trainStep() throws -> Float

    /// Runs one full training epoch (its steps plus what the trainer does at the end of an epoch:
    /// evaluation, logging, checkpointing) and returns every scalar or image event it logged, in order.
    func trainEpoch() throws -> [LoggedEvent]

    /// The evaluation metric on the evaluation data; must be deterministic (no random noise, no
    /// augmentation) and must not change any parameter.
    func evaluate() throws -> Float

    /// The trainable parameters (and, optionally, optimiser state) by dotted name.
    func namedParameters() -> [(name: String, value: Tensor)]

    /// Writes a checkpoint of everything needed to resume (model, optimiser, training state) to `path`.
    func saveCheckpoint(to path: String) throws

    /// Restores the state written by ``saveCheckpoint(to:)`` at `path`.
    func loadCheckpoint(from path: String) throws

    /// The training-set indices each ``trainEpoch()`` call so far read, in order (one array per
    /// epoch), or `nil` when the harness does not record them (``TrainerCheck/dataOrder`` is then
    /// skipped). Default: `nil`.
    var samplesVisited: [[Int]]? { get }
}

extension TrainerHarness {
    /// The default: the harness does not record the training order.
    public var samplesVisited: [[Int]]? { nil }
}

/// One event a trainer logged: a tag (`"train/loss"`) at a step.
public struct LoggedEvent: Hashable, Sendable, CustomStringConvertible {
    /// The tag, e.g. `"train/loss"`.
    public var tag: String
    /// The global step (or epoch) it was logged at.
    public var step: Int

    /// The event `tag` at `step`.
    public init(tag: String, step: Int) {
        self.tag = tag
        self.step = step
    }

    public var description: String { "\(tag)@\(step)" }
}

/// A trainer under test: how to make one, what one epoch must log, and how far overfitting one
/// small batch must get.
///
/// ```swift
/// // 4 samples, batch 4: one step per epoch, so the global step of epoch `epoch` is `epoch`.
/// let subject = TrainerSubject(name: "VAE trainer", expectedEpochEvents: { epoch in
///     ["train/recon_loss", "train/kl_div_loss", "train/loss", "test/loss"].map { LoggedEvent(tag: $0, step: epoch) }
/// }, overfit: OverfitExpectation(steps: 500, maximumLoss: 30)) { seed in
///     try MyTrainerHarness(seed: seed, samples: 4, batchSize: 4)
/// }
/// ```
public struct TrainerSubject: CheckSubject {
    /// A short name for reports.
    public var name: String
    /// Makes a fresh trainer (fresh model, optimiser and data order) seeded with `seed`.
    public var makeTrainer: @Sendable (_ seed: UInt64) throws -> any TrainerHarness
    /// The events epoch `epoch` (0-based) of a fresh trainer must log, each exactly once
    /// (order does not matter).
    public var expectedEpochEvents: @Sendable (_ epoch: Int) -> [LoggedEvent]
    /// What ``TrainerCheck/overfitOneBatch`` expects.
    public var overfit: OverfitExpectation
    /// The seed of every trainer the checks make (a resumed run uses `seed + 1`, see ``TrainerCheck/resumeDeterminism``).
    public var seed: UInt64
    /// Largest allowed difference between evaluations or parameters that must be equal; `0` demands identical values.
    public var tolerance: Float
    /// Checks that do not apply, with the reason (reported as skipped).
    public var skipped: [TrainerCheck: String]

    /// Describes a trainer under test; the parameters set the properties of the same names.
    public init(
        name: String, seed: UInt64 = 0, tolerance: Float = 0,
        expectedEpochEvents: @escaping @Sendable (_ epoch: Int) -> [LoggedEvent],
        overfit: OverfitExpectation, skipped: [TrainerCheck: String] = [:],
        makeTrainer: @escaping @Sendable (_ seed: UInt64) throws -> any TrainerHarness
    ) {
        self.name = name
        self.makeTrainer = makeTrainer
        self.expectedEpochEvents = expectedEpochEvents
        self.overfit = overfit
        self.seed = seed
        self.tolerance = tolerance
        self.skipped = skipped
    }
}

/// ``TrainerCheck/overfitOneBatch``: after `steps` training steps on the harness's (one small)
/// batch, ``TrainerHarness/evaluate()`` must be at most `maximumLoss`.
public struct OverfitExpectation: Sendable, Equatable {
    /// Training steps on the one batch.
    public var steps: Int
    /// Largest evaluation that counts as overfitted.
    public var maximumLoss: Float

    /// Expect an evaluation of at most `maximumLoss` after `steps` steps on one batch.
    public init(steps: Int, maximumLoss: Float) {
        self.steps = steps
        self.maximumLoss = maximumLoss
    }
}
