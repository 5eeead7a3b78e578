import TensorCore

/// Checks of a trainer through its ``TrainerHarness`` (see ``TrainerSubject``).
public enum TrainerCheck: String, Check {
    /// Epochs 0 and 1 of a fresh trainer each log exactly ``TrainerSubject/expectedEpochEvents``:
    /// every expected tag at every expected step, once, and nothing else. An unexpected tag is
    /// reported with the expected tag it most resembles (a typo).
    case loggingContract
    /// ``OverfitExpectation/steps`` training steps on one small batch bring the evaluation to
    /// ``OverfitExpectation/maximumLoss`` or below, with finite losses all along.
    case overfitOneBatch
    /// A checkpoint saved after one epoch and loaded into a trainer made with another seed gives
    /// the same evaluation and the same parameters.
    case checkpointRoundTrip
    /// Training one epoch, saving, and training one more gives the same parameters and evaluation
    /// as loading that checkpoint into a trainer made with another seed and training one epoch:
    /// everything the second epoch needs (optimiser moments, step counters, random state) is in the
    /// checkpoint. The resumed epoch also logs the same (tag, step) events as the uninterrupted one.
    case resumeDeterminism
    /// Evaluating twice (after a training step) changes no parameter and gives the same value.
    case evaluationChangesNoParameter
    /// Five epochs of a fresh trainer each read every training sample exactly once, and not all
    /// in the same order (a shuffle that repeats one order every epoch, or none, fails). Skipped
    /// when the harness does not report ``TrainerHarness/samplesVisited`` or reads fewer than 4
    /// samples; declare it skipped for a trainer that must not shuffle.
    case dataOrder

    /// Trainer checks run on a ``TrainerSubject``.
    public typealias Subject = TrainerSubject

    public var name: String { "trainer.\(rawValue)" }

    public func evaluate(on subject: TrainerSubject) throws -> CheckResult {
        if let reason = subject.skipped[self] { return .skipped(reason) }
        switch self {
        case .loggingContract: return try checkLogging(subject)
        case .overfitOneBatch: return try checkOverfit(subject)
        case .checkpointRoundTrip: return try checkRoundTrip(subject)
        case .resumeDeterminism: return try checkResume(subject)
        case .evaluationChangesNoParameter: return try checkEvaluationIsPure(subject)
        case .dataOrder: return try checkDataOrder(subject)
        }
    }

    // MARK: - Logging

    private func checkLogging(_ subject: TrainerSubject) throws -> CheckResult {
        let trainer = try makeTrainer(subject, seed: subject.seed)
        var failures: [CheckFailure] = []
        var total = 0
        for epoch in 0..<2 {
            let logged = try stage("training epoch \(epoch)") { try trainer.trainEpoch() }
            total += logged.count
            failures += LoggingComparison(logged: logged, expected: subject.expectedEpochEvents(epoch)).failures(epoch: epoch)
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        return .passed("epochs 0 and 1 logged exactly the \(total) expected events")
    }

    // MARK: - Overfitting

    private func checkOverfit(_ subject: TrainerSubject) throws -> CheckResult {
        let expectation = subject.overfit
        let trainer = try makeTrainer(subject, seed: subject.seed)
        var last: Float = .nan
        for step in 0..<expectation.steps {
            last = try stage("training step \(step)", at: CheckLocation(step: step)) { try trainer.trainStep() }
            guard last.isFinite else {
                throw CheckFailure("training loss became \(last)", at: CheckLocation(step: step))
            }
        }
        let evaluation = try stage("evaluation after \(expectation.steps) steps") { try trainer.evaluate() }
        guard evaluation <= expectation.maximumLoss else {
            throw CheckFailure(
                "after \(expectation.steps) steps on one batch the evaluation is \(evaluation) "
                    + "(last training loss \(last)); it should overfit to at most \(expectation.maximumLoss)",
                at: CheckLocation(step: expectation.steps),
                deviation: Deviation("evaluation", observed: Double(evaluation), limit: Double(expectation.maximumLoss)))
        }
        return .passed(
            "evaluation \(evaluation) ≤ \(expectation.maximumLoss) after \(expectation.steps) steps (last loss \(last))")
    }

    // MARK: - Checkpoints

    private func checkRoundTrip(_ subject: TrainerSubject) throws -> CheckResult {
        try withTemporaryDirectory(prefix: "testkit-checkpoint") { directory in
            let path = directory.file("round-trip.checkpoint")
            let original = try makeTrainer(subject, seed: subject.seed)
            _ = try stage("training epoch 0") { try original.trainEpoch() }
            let expected = try stage("evaluation before saving") { try original.evaluate() }
            try stage("saving the checkpoint") { try original.saveCheckpoint(to: path) }

            let restored = try makeTrainer(subject, seed: subject.seed &+ 1)
            try stage("loading the checkpoint into a trainer made with seed \(subject.seed &+ 1)") {
                try restored.loadCheckpoint(from: path)
            }
            try expectSameParameters(
                restored.namedParameters(), original.namedParameters(), tolerance: subject.tolerance,
                what: "after loading the checkpoint")
            let actual = try stage("evaluation after loading") { try restored.evaluate() }
            try expectSameEvaluation(actual, expected, tolerance: subject.tolerance, what: "after loading the checkpoint")
            return .passed("evaluation \(actual) and \(original.namedParameters().count) parameter tensors restored")
        }
    }

    private func checkResume(_ subject: TrainerSubject) throws -> CheckResult {
        try withTemporaryDirectory(prefix: "testkit-resume") { directory in
            let path = directory.file("epoch-0.checkpoint")
            let straight = try makeTrainer(subject, seed: subject.seed)
            _ = try stage("training epoch 0") { try straight.trainEpoch() }
            try stage("saving the checkpoint after epoch 0") { try straight.saveCheckpoint(to: path) }
            let straightEvents = try stage("training epoch 1 without interruption") { try straight.trainEpoch() }

            let resumed = try makeTrainer(subject, seed: subject.seed &+ 1)
            try stage("loading the checkpoint into a trainer made with seed \(subject.seed &+ 1)") {
                try resumed.loadCheckpoint(from: path)
            }
            let resumedEvents = try stage("training epoch 1 after resuming") { try resumed.trainEpoch() }
            let logging = LoggingComparison(logged: resumedEvents, expected: straightEvents).failures(epoch: 1)
            if var failure = CheckFailure.combining(logging) {
                failure.message = "after resuming, " + failure.message + " (compared with the uninterrupted run)"
                throw failure
            }

            try expectSameParameters(
                resumed.namedParameters(), straight.namedParameters(), tolerance: subject.tolerance,
                what: "after resuming and training epoch 1")
            let expected = try stage("evaluation of the uninterrupted run") { try straight.evaluate() }
            let actual = try stage("evaluation of the resumed run") { try resumed.evaluate() }
            try expectSameEvaluation(actual, expected, tolerance: subject.tolerance, what: "of the resumed run")
            return .passed("resumed run equals the uninterrupted one after epoch 1 (evaluation \(actual))")
        }
    }

    // MARK: - Evaluation

    private func checkEvaluationIsPure(_ subject: TrainerSubject) throws -> CheckResult {
        let trainer = try makeTrainer(subject, seed: subject.seed)
        _ = try stage("training step 0") { try trainer.trainStep() }
        let before = trainer.namedParameters().map { ($0.name, $0.value.scalars) }
        let first = try stage("first evaluation") { try trainer.evaluate() }
        let second = try stage("second evaluation") { try trainer.evaluate() }
        let after = Dictionary(trainer.namedParameters().map { ($0.name, $0.value.scalars) }, uniquingKeysWith: { a, _ in a })
        let changed = before.filter { name, values in
            guard let now = after[name] else { return true }
            return now.count != values.count || zip(now, values).contains { $0.bitPattern != $1.bitPattern }
        }.map(\.0)
        if !changed.isEmpty {
            throw CheckFailure.combining(
                changed.map {
                    CheckFailure("evaluation changed parameter \($0)", at: CheckLocation(parameter: $0))
                })!
        }
        guard first.bitPattern == second.bitPattern else {
            throw CheckFailure(
                "two evaluations in a row differ (\(first) then \(second)): evaluation is not deterministic "
                    + "(random noise or augmentation during evaluation?)",
                deviation: Deviation("|Δ evaluation|", observed: Double(abs(first - second)), limit: 0))
        }
        return .passed("\(before.count) parameter tensors unchanged; evaluation \(first) twice")
    }

    // MARK: - Data order

    private func checkDataOrder(_ subject: TrainerSubject) throws -> CheckResult {
        let trainer = try makeTrainer(subject, seed: subject.seed)
        guard trainer.samplesVisited != nil else {
            return .skipped("the harness does not report the samples each epoch visits")
        }
        let epochCount = 5
        for epoch in 0..<epochCount { _ = try stage("training epoch \(epoch)") { try trainer.trainEpoch() } }
        let epochs = trainer.samplesVisited ?? []
        guard epochs.count == epochCount else {
            throw CheckFailure(
                "the harness reported \(epochs.count) epochs of visited samples after \(epochCount) epochs")
        }
        let samples = Set(epochs.flatMap { $0 })
        for (epoch, order) in epochs.enumerated() {
            let missing = samples.subtracting(order).sorted()
            let repeated = Dictionary(order.map { ($0, 1) }, uniquingKeysWith: +).filter { $0.value > 1 }.keys.sorted()
            guard missing.isEmpty && repeated.isEmpty else {
                throw CheckFailure(
                    "epoch \(epoch) read \(order.count) samples: "
                        + (missing.isEmpty ? "" : "samples \(missing) never (a partial batch dropped?) ")
                        + (repeated.isEmpty ? "" : "samples \(repeated) more than once"),
                    at: CheckLocation(step: epoch, detail: "epoch \(epoch)"))
            }
        }
        // With 4 samples, 5 shuffled epochs share one order with probability (1/24)^4 ≈ 3·10⁻⁶.
        guard samples.count >= 4 else {
            return .skipped("\(samples.count) training samples are too few to tell a shuffle from a fixed order")
        }
        guard Set(epochs).count > 1 else {
            throw CheckFailure(
                "all \(epochCount) epochs read the \(samples.count) training samples in the same order \(epochs[0]) "
                    + "(the shuffle repeats one order every epoch, or is off)")
        }
        return .passed(
            "\(epochCount) epochs read each of \(samples.count) samples once, in \(Set(epochs).count) different orders")
    }

    // MARK: - Helpers

    private func makeTrainer(_ subject: TrainerSubject, seed: UInt64) throws(CheckFailure) -> any TrainerHarness {
        try stage("making the trainer with seed \(seed)") { try subject.makeTrainer(seed) }
    }

    private func expectSameEvaluation(_ actual: Float, _ expected: Float, tolerance: Float, what: String) throws(CheckFailure) {
        guard abs(actual - expected) <= tolerance || actual.bitPattern == expected.bitPattern else {
            throw CheckFailure(
                "evaluation \(what) is \(actual), expected \(expected)",
                deviation: Deviation("|Δ evaluation|", observed: Double(abs(actual - expected)), limit: Double(tolerance)))
        }
    }
}

/// Compares two named parameter lists: every name of `expected` must be in `actual` with the
/// same shape and values within `tolerance` (max |Δ|). Fails naming every differing parameter.
func expectSameParameters(
    _ actual: [(name: String, value: Tensor)], _ expected: [(name: String, value: Tensor)],
    tolerance: Float, what: String
) throws(CheckFailure) {
    let actualByName = Dictionary(actual.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    var failures: [CheckFailure] = []
    for (name, value) in expected {
        guard let found = actualByName[name] else {
            failures.append(CheckFailure("parameter \(name) is missing \(what)", at: CheckLocation(parameter: name)))
            continue
        }
        guard found.shape == value.shape else {
            failures.append(
                CheckFailure(
                    "parameter \(name) has shape \(found.shape) \(what), expected \(value.shape)",
                    at: CheckLocation(parameter: name, shape: found.shape)))
            continue
        }
        let diff = difference(found.scalars, value.scalars, shape: value.shape, rtol: 0, atol: tolerance)
        if !diff.isClose {
            failures.append(
                CheckFailure(
                    "parameter \(name) differs \(what): \(diff.mismatches) of \(diff.count) elements",
                    at: CheckLocation(parameter: name, element: diff.index, shape: value.shape),
                    deviation: Deviation(
                        "max |Δ|", observed: Double(diff.maxAbsoluteDifference),
                        limit: Double(tolerance))))
        }
    }
    if let failure = CheckFailure.combining(failures) { throw failure }
}
