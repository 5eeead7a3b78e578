/// TestKit's catalogue of mutation operators: realistic deep-learning faults, each planted by
/// wrapping a subject through its public protocols.
///
/// The faults come from studies of real faults — DeepCrime's operators (Humbatova, Jahangirova
/// and Tonella, ISSTA 2021), the taxonomy they were drawn from (Humbatova et al., ICSE 2020),
/// Zhang et al. (ISSTA 2018) — and from the reference project's own defects. A library adds
/// operators for faults inside its own types (TrainingChecks plants checkpoint and option faults
/// into the VAE trainer): pass `MutationCatalogue.operators + theirs` to the runner.
public enum MutationCatalogue {
    /// Every operator, by family: data, model, optimisation (KL term and optimiser), trainer.
    public static let operators: [MutationOperator] =
        DatasetMutations.operators + ModelMutations.operators + LossMutations.operators + TrainerMutations.operators

    /// The operators of `family`.
    public static func operators(in family: MutationFamily) -> [MutationOperator] {
        operators.filter { $0.family == family }
    }
}
