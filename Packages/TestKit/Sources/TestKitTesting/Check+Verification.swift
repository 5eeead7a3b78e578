import Testing
import TestKit

extension Check {
    /// Runs the check inside a Swift Testing test: a failure is thrown (Swift Testing records it
    /// with the check's message), a pass returns normally, and a skip is reported as skipped — a
    /// warning with the reason (shown by the console, which does not fail the run) and the
    /// cancellation of the current test case (recorded as cancelled in the event stream and by IDEs).
    ///
    /// ```swift
    /// @Test(arguments: ModelCheck.allCases)
    /// func classifier(_ check: ModelCheck) throws {
    ///     try check.verify(on: classifierSubject)
    /// }
    /// ```
    /// - Throws: ``CheckFailure`` when the check fails, or Swift Testing's cancellation when it is skipped.
    public func verify(on subject: Subject, sourceLocation: SourceLocation = #_sourceLocation) throws {
        switch try run(on: subject) {
        case .passed:
            return
        case .skipped(let reason):
            let comment = Comment(rawValue: "\(name) on \(subject.name) skipped: \(reason)")
            Issue.record(comment, severity: .warning, sourceLocation: sourceLocation)
            try Test.cancel(comment, sourceLocation: sourceLocation)
        }
    }
}
