import TestKit

/// Mutation operators for faults inside the VAE trainer, planted through ``VAETrainerHarness``:
/// add them to TestKit's catalogue (`MutationCatalogue.operators + VAETrainerMutations.operators`).
/// Each applies to trainer subjects whose harness is a ``VAETrainerHarness``.
public enum VAETrainerMutations {
    /// One operator per ``VAETrainerFault``.
    public static let operators: [MutationOperator] = [
        mutation(
            .learningRateTooHigh, "optim.learningRateTooHigh", family: .optimization,
            fault: "the learning rate off by orders of magnitude (1000× too high)",
            citation: "DeepCrime HLR (change learning rate)"),
        mutation(
            .learningRateTooLow, "optim.learningRateTooLow", family: .optimization,
            fault: "the learning rate off by orders of magnitude (1000× too low)",
            citation: "DeepCrime HLR (change learning rate)"),
        mutation(
            .evaluationSamplesNoise, "trainer.evaluationInTrainMode",
            fault: "evaluation in training behaviour (latent noise sampled while evaluating)",
            citation: "Humbatova et al. 2020: training process (validation)"),
        mutation(
            .shuffleOff, "data.shuffleRepeatsOrder", family: .data,
            fault: "a shuffle that repeats the same order every epoch (shuffling off in the training loader)",
            citation: "Humbatova et al. 2020: training data (data shuffling)"),
        mutation(
            .lastPartialBatchDropped, "trainer.lastPartialBatchDropped",
            fault: "the last partial batch of each epoch dropped silently",
            citation: "DeepCrime TRD (remove portion of training data)"),
        mutation(
            .checkpointWithoutOptimizerState, "trainer.checkpointWithoutOptimizerState",
            fault: "a checkpoint missing the optimiser state (Adam's moments and step count)",
            citation: "Humbatova et al. 2020: training process (checkpointing)"),
        mutation(
            .checkpointWithoutRandomState, "trainer.checkpointWithoutRandomState",
            fault: "a checkpoint missing the random generator's state",
            citation: "Humbatova et al. 2020: training process (checkpointing)"),
        mutation(
            .resumeSkipsStep, "trainer.resumeSkipsStep",
            fault: "resuming skips a step: the checkpoint's step counter is one ahead",
            citation: "Humbatova et al. 2020: training process (checkpointing)"),
    ]

    private static func mutation(
        _ planted: VAETrainerFault, _ name: String, family: MutationFamily = .trainer, fault: String,
        citation: String
    ) -> MutationOperator {
        MutationOperator(name: name, family: family, fault: fault, citation: citation) { subject in
            guard let probe = try subject.makeTrainer(subject.seed) as? VAETrainerHarness else { return nil }
            do { _ = try probe.planting(planted) } catch is VAETrainerFault.Inapplicable { return nil }
            var copy = subject
            let make = subject.makeTrainer
            copy.makeTrainer = { seed in
                guard let harness = try make(seed) as? VAETrainerHarness else { return try make(seed) }
                return try harness.planting(planted)
            }
            return copy
        }
    }
}
