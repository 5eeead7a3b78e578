import TensorCore

/// The catalogue's operators on KL-divergence terms: each wraps the term a ``KLDivergenceSubject`` computes.
enum LossMutations {
    static let operators: [MutationOperator] = [
        mutation(
            "loss.klSignFlipped", fault: "the KL term's sign flipped (the regulariser rewards divergence)",
            citation: "DeepCrime LCH (change loss function)"
        ) { divergence, mu, logSigma, _ in try divergence(mu, logSigma) * -1 },
        mutation(
            "loss.klFactorMissing", fault: "the KL term's factor ½ missing",
            citation: "DeepCrime LCH (change loss function)"
        ) { divergence, mu, logSigma, _ in try divergence(mu, logSigma) * 2 },
        mutation(
            "loss.klReductionSwapped", fault: "the KL term reduced over the batch the other way (mean for sum, or sum for mean)",
            citation: "Humbatova et al. 2020: loss function (wrong reduction)"
        ) { divergence, mu, logSigma, reduction in
            let batch = Float(mu.shape.first ?? 1)
            let value = try divergence(mu, logSigma)
            return reduction == .sum ? value / batch : value * batch
        },
        mutation(
            "loss.klTermDropped", fault: "the KL term left out of the loss (only the reconstruction trained)",
            citation: "DeepCrime LCH (change loss function)"
        ) { divergence, mu, logSigma, _ in try divergence(mu, logSigma) * 0 },
        mutation(
            "loss.klLogVarianceAsLogSigma",
            fault: "the encoder's log σ used as log σ² (variance and standard deviation mixed up)",
            citation: "Humbatova et al. 2020: loss function (wrong formula)"
        ) { divergence, mu, logSigma, _ in try divergence(mu, logSigma * 0.5) },
    ]

    private static func mutation(
        _ name: String, fault: String, citation: String,
        _ change:
            @escaping @Sendable (
                _ divergence: @Sendable (Tensor, Tensor) throws -> Tensor, _ mu: Tensor, _ logSigma: Tensor,
                _ reduction: KLDivergenceSubject.BatchReduction
            ) throws -> Tensor
    ) -> MutationOperator {
        MutationOperator(name: name, family: .optimization, fault: fault, citation: citation) { subject in
            var copy = subject
            let divergence = subject.divergence
            let reduction = subject.batchReduction
            copy.divergence = { mu, logSigma in try change(divergence, mu, logSigma, reduction) }
            return copy
        }
    }
}
