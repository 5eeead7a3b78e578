import Testing
import TestKit

/// The failure of `check` on `subject`, or `nil` (recording an issue) when it did not fail.
func expectFailure<C: Check>(
    of check: C, on subject: C.Subject,
    sourceLocation: SourceLocation = #_sourceLocation
) -> CheckFailure? {
    do throws(CheckFailure) {
        let result = try check.run(on: subject)
        Issue.record(
            "\(check.name) on \(subject.name) was expected to fail but returned \(result)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.check == check.name, sourceLocation: sourceLocation)
        return error
    }
}

/// Expects `check` to pass on `subject` (not fail, not skip).
func expectPasses<C: Check>(_ check: C, on subject: C.Subject, sourceLocation: SourceLocation = #_sourceLocation) {
    do throws(CheckFailure) {
        let result = try check.run(on: subject)
        #expect(result.isPassed, "\(check.name) on \(subject.name): \(result)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(check.name) on \(subject.name) failed: \(error)", sourceLocation: sourceLocation)
    }
}
