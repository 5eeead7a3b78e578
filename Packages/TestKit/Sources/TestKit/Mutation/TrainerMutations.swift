/// The catalogue's trainer operators that wrap any ``TrainerHarness``: logging, resuming and
/// evaluation faults visible through the harness. Faults inside a particular trainer (its
/// checkpoint contents, its options) are planted by operators its own library defines.
enum TrainerMutations {
    static let taxonomy = DatasetMutations.taxonomy

    static let operators: [MutationOperator] = [
        wrapping(
            "trainer.loggingTagTypo", fault: "a metric logged under a misspelt tag (dashboards show an empty chart)",
            citation: "\(taxonomy): training process (logging)"
        ) { harness in
            FaultyHarness(harness) { events, _ in
                guard let tag = events.first?.tag else { return events }
                return events.map { $0.tag == tag ? LoggedEvent(tag: tag + "_", step: $0.step) : $0 }
            }
        },
        wrapping(
            "trainer.loggingStepOffByOne",
            fault: "metrics logged at the wrong step (the step counter advanced before logging)",
            citation: "\(taxonomy): training process (logging)"
        ) { harness in
            FaultyHarness(harness) { events, _ in events.map { LoggedEvent(tag: $0.tag, step: $0.step + 1) } }
        },
        wrapping(
            "trainer.loggingStepIsEpoch",
            fault: "per-step metrics logged at the epoch number instead of the global step",
            citation: "\(taxonomy): training process (logging)"
        ) { harness in
            FaultyHarness(harness) { events, epoch in events.map { LoggedEvent(tag: $0.tag, step: epoch) } }
        },
        wrapping(
            "trainer.resumeRepeatsBatch",
            fault: "resuming repeats a batch the checkpointed run already trained on",
            citation: "\(taxonomy): training process (checkpointing)"
        ) { harness in
            FaultyHarness(harness, afterLoading: { try $0.trainStep() })
        },
        wrapping(
            "trainer.evaluationTrains",
            fault: "evaluation with gradients that updates the model (an optimiser step or running statistics during evaluation)",
            citation: "\(taxonomy): training process (validation)"
        ) { harness in
            FaultyHarness(harness, beforeEvaluating: { try $0.trainStep() })
        },
    ]

    private static func wrapping(
        _ name: String, fault: String, citation: String,
        _ wrap: @escaping @Sendable (any TrainerHarness) -> any TrainerHarness
    ) -> MutationOperator {
        MutationOperator(name: name, family: .trainer, fault: fault, citation: citation) { subject in
            var copy = subject
            let make = subject.makeTrainer
            copy.makeTrainer = { seed in wrap(try make(seed)) }
            return copy
        }
    }
}
