/// The subjects a mutation analysis plants faults into: the same descriptions a project's tests
/// already give TestKit's suites.
///
/// ```swift
/// let system = MutationSubjects(datasets: [digits], models: [classifier], trainers: [trainer])
/// let report = MutationRunner(subjects: system).run()
/// print(report.table)
/// ```
public struct MutationSubjects: Sendable {
    /// Dataset subjects, judged by every ``DatasetCheck``.
    public var datasets: [DatasetSubject]
    /// Model subjects, judged by every ``ModelCheck``.
    public var models: [ModelSubject]
    /// KL-divergence terms, judged by every ``KLDivergenceCheck``.
    public var klDivergences: [KLDivergenceSubject]
    /// Trainer subjects, judged by every ``TrainerCheck``.
    public var trainers: [TrainerSubject]

    /// The subjects of each kind (any may be empty).
    public init(
        datasets: [DatasetSubject] = [], models: [ModelSubject] = [], klDivergences: [KLDivergenceSubject] = [],
        trainers: [TrainerSubject] = []
    ) {
        self.datasets = datasets
        self.models = models
        self.klDivergences = klDivergences
        self.trainers = trainers
    }
}
