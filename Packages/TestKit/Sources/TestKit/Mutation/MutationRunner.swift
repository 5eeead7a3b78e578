/// Plants each operator of a catalogue into each subject it applies to and runs the subject's
/// suite on the mutant: a mutant is killed when a check fails on it that passes on the
/// unmutated subject, survives when every check passes, and is equivalent (not counted) when it
/// changes no output of the subject.
///
/// ```swift
/// let report = MutationRunner(subjects: MutationSubjects(models: [classifier])).run()
/// print(report.table)
/// print(report.scoreLine)         // "mutation score 9/9"
/// ```
/// Checks stop at the first that kills the mutant, in suite order (cheap checks first for
/// trainers). A check that fails on the unmutated subject never counts as killing a mutant.
public struct MutationRunner: Sendable {
    /// The subjects to plant faults into.
    public var subjects: MutationSubjects
    /// The operators to apply, in order.
    public var operators: [MutationOperator]

    /// A runner of `operators` (default: TestKit's whole catalogue) over `subjects`.
    public init(subjects: MutationSubjects, operators: [MutationOperator] = MutationCatalogue.operators) {
        self.subjects = subjects
        self.operators = operators
    }

    /// Runs every operator on every subject of its kind; `progress` sees each result as it is made.
    public func run(progress: (MutantResult) -> Void = { _ in }) -> MutationReport {
        let judge = MutantJudge(subjects)
        var results: [MutantResult] = []
        for mutationOperator in operators {
            for result in judge.results(of: mutationOperator) {
                progress(result)
                results.append(result)
            }
        }
        return MutationReport(results: results)
    }
}

/// Judges mutants, remembering the unmutated subjects' fingerprints and which checks pass on them.
private final class MutantJudge {
    let subjects: MutationSubjects
    private var fingerprints: [String: MutantFingerprint] = [:]
    private var baselinePasses: [String: Bool] = [:]

    init(_ subjects: MutationSubjects) { self.subjects = subjects }

    func results(of mutationOperator: MutationOperator) -> [MutantResult] {
        switch mutationOperator.target {
        case .dataset(let mutate):
            return judgeAll(
                mutationOperator, subjects.datasets, kind: "dataset", suite: DatasetCheck.allCases,
                fingerprint: MutantFingerprint.of, mutate: mutate)
        case .model(let mutate):
            return judgeAll(
                mutationOperator, subjects.models, kind: "model", suite: ModelCheck.allCases,
                fingerprint: MutantFingerprint.of, mutate: mutate)
        case .klDivergence(let mutate):
            return judgeAll(
                mutationOperator, subjects.klDivergences, kind: "KL term", suite: KLDivergenceCheck.allCases,
                fingerprint: MutantFingerprint.of, mutate: mutate)
        case .trainer(let mutate):
            return judgeAll(
                mutationOperator, subjects.trainers, kind: "trainer", suite: TrainerCheck.judgingOrder,
                fingerprint: MutantFingerprint.of, mutate: mutate)
        }
    }

    private func judgeAll<C: Check>(
        _ mutationOperator: MutationOperator, _ originals: [C.Subject], kind: String, suite: [C],
        fingerprint: (C.Subject) -> MutantFingerprint, mutate: (C.Subject) throws -> C.Subject?
    ) -> [MutantResult] {
        func result(_ subject: String, _ outcome: MutantResult.Outcome, _ duration: Duration) -> MutantResult {
            MutantResult(
                operatorName: mutationOperator.name, family: mutationOperator.family, fault: mutationOperator.fault,
                citation: mutationOperator.citation, subject: subject, outcome: outcome, duration: duration)
        }
        guard !originals.isEmpty else {
            return [result("-", .notApplicable("no \(kind) subject was given"), .zero)]
        }
        return originals.enumerated().map { index, original in
            let clock = ContinuousClock()
            let start = clock.now
            let key = "\(kind) \(index)"
            let outcome: MutantResult.Outcome
            do {
                if let mutant = try mutate(original) {
                    outcome = judge(mutant, original: original, key: key, suite: suite, fingerprint: fingerprint)
                } else {
                    outcome = .notApplicable("does not apply to this \(kind): nothing in it has the part this fault breaks")
                }
            } catch {
                outcome = .notApplicable("planting the fault failed: \(error)")
            }
            return result(original.name, outcome, clock.now - start)
        }
    }

    private func judge<C: Check>(
        _ mutant: C.Subject, original: C.Subject, key: String, suite: [C],
        fingerprint: (C.Subject) -> MutantFingerprint
    ) -> MutantResult.Outcome {
        // A second look before calling a mutant non-equivalent: code outside the checks' lock (other
        // tests of the same process) may draw from the process-wide generator between two runs.
        for attempt in 0..<2 {
            let reference =
                (attempt == 0 ? fingerprints[key] : nil) ?? checkSerialisation.withLock { _ in fingerprint(original) }
            fingerprints[key] = reference
            if checkSerialisation.withLock({ _ in fingerprint(mutant) }) == reference { return .equivalent }
        }
        for check in suite {
            do {
                try check.run(on: mutant)
            } catch {
                if passesUnmutated(check, original, key: key) {
                    return .killed(check: check.name, message: error.description)
                }
            }
        }
        return .survived
    }

    private func passesUnmutated<C: Check>(_ check: C, _ original: C.Subject, key: String) -> Bool {
        let cacheKey = "\(key) \(check.name)"
        if let known = baselinePasses[cacheKey] { return known }
        let passes = (try? check.run(on: original)) != nil
        baselinePasses[cacheKey] = passes
        return passes
    }
}

extension TrainerCheck {
    /// The trainer checks from the quickest to the slowest (the overfit test last), so that a
    /// mutant is usually killed before the long check runs.
    static let judgingOrder: [TrainerCheck] = [
        .loggingContract, .evaluationChangesNoParameter, .checkpointRoundTrip, .resumeDeterminism, .dataOrder,
        .overfitOneBatch,
    ]
}
