/// The kind of fault a ``MutationOperator`` plants.
public enum MutationFamily: String, Sendable, CaseIterable, Codable {
    /// Datasets: labels, value ranges, shapes, splits, augmentation, loader safety.
    case data
    /// Models: parameters, layers, activations, batch mixing, randomness, devices, modes, initialisation.
    case model
    /// Losses and optimisation: the KL term, reductions, gradients, learning rates, step order.
    case optimization
    /// Trainers: logging, evaluation, checkpoints, resuming, batching.
    case trainer
}

/// One realistic fault, planted at run time by wrapping a subject through its public protocols
/// (a `Dataset`, a `Module`'s forward pass, loss and optimiser, a KL term, a ``TrainerHarness``):
/// no source edit, no rebuild.
///
/// An operator applies to one kind of subject. It returns `nil` for a subject it does not apply
/// to (a shape fault on samples without spatial dimensions, a normalisation fault on data that
/// declares no statistics); the ``MutationRunner`` reports that as not applicable.
///
/// ```swift
/// let labelsOneBased = MutationOperator(
///     name: "data.labelsOneBased", family: .data,
///     fault: "labels counted from 1 instead of 0", citation: "Humbatova et al. 2020, training data / labels",
///     mutatingDataset: { subject in … })
/// ```
public struct MutationOperator: Sendable, Hashable, Identifiable, CustomStringConvertible {
    /// Stable dotted name, e.g. `"model.samplesRolled"`.
    public let name: String
    /// The family of the fault.
    public let family: MutationFamily
    /// One line: the real fault this operator stands for.
    public let fault: String
    /// The class of real faults it belongs to, where a study names one (e.g. DeepCrime's operator).
    public let citation: String?
    let target: MutationTarget

    /// The operator's ``name``.
    public var id: String { name }
    /// The operator's ``name``, so that a parameterised test names each case after it.
    public var description: String { name }

    /// An operator on datasets: `mutate` returns the subject with the fault planted, or `nil` when
    /// it does not apply.
    public init(
        name: String, family: MutationFamily = .data, fault: String, citation: String? = nil,
        mutatingDataset mutate: @escaping @Sendable (DatasetSubject) -> DatasetSubject?
    ) {
        self.init(name: name, family: family, fault: fault, citation: citation, target: .dataset(mutate))
    }

    /// An operator on models (forward pass, loss, optimiser, parameters).
    public init(
        name: String, family: MutationFamily = .model, fault: String, citation: String? = nil,
        mutatingModel mutate: @escaping @Sendable (ModelSubject) -> ModelSubject?
    ) {
        self.init(name: name, family: family, fault: fault, citation: citation, target: .model(mutate))
    }

    /// An operator on KL-divergence terms.
    public init(
        name: String, family: MutationFamily = .optimization, fault: String, citation: String? = nil,
        mutatingKLDivergence mutate: @escaping @Sendable (KLDivergenceSubject) -> KLDivergenceSubject?
    ) {
        self.init(name: name, family: family, fault: fault, citation: citation, target: .klDivergence(mutate))
    }

    /// An operator on trainers; `mutate` may make a harness to decide whether it applies
    /// (a thrown error is reported as not applicable, with the error).
    public init(
        name: String, family: MutationFamily = .trainer, fault: String, citation: String? = nil,
        mutatingTrainer mutate: @escaping @Sendable (TrainerSubject) throws -> TrainerSubject?
    ) {
        self.init(name: name, family: family, fault: fault, citation: citation, target: .trainer(mutate))
    }

    private init(name: String, family: MutationFamily, fault: String, citation: String?, target: MutationTarget) {
        self.name = name
        self.family = family
        self.fault = fault
        self.citation = citation
        self.target = target
    }

    /// Operators are equal when their names are.
    public static func == (a: MutationOperator, b: MutationOperator) -> Bool { a.name == b.name }

    /// Hashes the name.
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// What an operator wraps, with the wrapping function.
enum MutationTarget: Sendable {
    case dataset(@Sendable (DatasetSubject) -> DatasetSubject?)
    case model(@Sendable (ModelSubject) -> ModelSubject?)
    case klDivergence(@Sendable (KLDivergenceSubject) -> KLDivergenceSubject?)
    case trainer(@Sendable (TrainerSubject) throws -> TrainerSubject?)
}
