import TestKit

/// A fault planted inside the VAE trainer for mutation analysis, through its public surface
/// (options, optimiser, generator, checkpoint contents); ``VAETrainerHarness`` plants it.
public enum VAETrainerFault: String, Sendable, CaseIterable {
    /// The learning rate 1000 times too high (a unit or exponent mistake in the configuration).
    case learningRateTooHigh
    /// The learning rate 1000 times too low.
    case learningRateTooLow
    /// Evaluation samples latent noise (evaluation behaving as training).
    case evaluationSamplesNoise
    /// The training data not shuffled: every epoch visits the samples in the same order.
    case shuffleOff
    /// The last, partial batch of each epoch dropped silently.
    case lastPartialBatchDropped
    /// Resuming restores the model but starts the optimiser afresh (moments and step count missing).
    case checkpointWithoutOptimizerState
    /// Resuming restores model and optimiser but not the random generator's state.
    case checkpointWithoutRandomState
    /// The checkpoint records one step more than was taken, so the resumed run skips a step number.
    case resumeSkipsStep

    /// The fault cannot be planted into this trainer (for example no partial last batch to drop).
    public struct Inapplicable: Error, Sendable, CustomStringConvertible {
        /// The fault asked for.
        public var fault: VAETrainerFault
        /// Why it does not apply.
        public var reason: String

        /// The fault `fault` does not apply, because of `reason`.
        public init(fault: VAETrainerFault, reason: String) {
            self.fault = fault
            self.reason = reason
        }

        /// `"<fault> does not apply: <reason>"`.
        public var description: String { "\(fault.rawValue) does not apply: \(reason)" }
    }
}
