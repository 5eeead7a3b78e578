import TestKit
import Testing

extension MutationOperator {
    /// Plants this operator into every subject of its kind in `subjects` and runs their suites
    /// inside a Swift Testing test: a surviving mutant is recorded as an issue (the test fails,
    /// naming the fault and the subject), a killed one passes, and an operator that is not
    /// applicable or only equivalent is reported as skipped (a warning and the cancellation of
    /// the test case).
    ///
    /// ```swift
    /// @Test(arguments: MutationCatalogue.operators)
    /// func mutant(_ mutation: MutationOperator) throws {
    ///     try mutation.verifyKilled(in: MutationSubjects(models: [classifierSubject]))
    /// }
    /// ```
    /// - Throws: Swift Testing's cancellation when no mutant counts.
    public func verifyKilled(in subjects: MutationSubjects, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let results = MutationRunner(subjects: subjects, operators: [self]).run().results
        for result in results where result.isCounted && !result.isKilled {
            Issue.record(
                Comment(rawValue: "\(name) survived on \(result.subject): \(fault); every check passed"),
                sourceLocation: sourceLocation)
        }
        guard !results.contains(where: \.isCounted) else { return }
        let reasons = results.map { "\($0.subject): \($0.status) (\($0.message))" }.joined(separator: "; ")
        let comment = Comment(rawValue: "\(name) counts on no subject: \(reasons)")
        Issue.record(comment, severity: .warning, sourceLocation: sourceLocation)
        try Test.cancel(comment, sourceLocation: sourceLocation)
    }
}
