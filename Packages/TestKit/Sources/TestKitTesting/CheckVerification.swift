import Testing
import TestKit

extension Check {
    /// Runs the check inside a Swift Testing test: a failure is thrown (Swift Testing records it
    /// with the check's message), a skip cancels the current test case so that it is reported as
    /// skipped with the reason, and a pass returns normally.
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
            try Test.cancel("\(name) skipped: \(reason)", sourceLocation: sourceLocation)
        }
    }
}
