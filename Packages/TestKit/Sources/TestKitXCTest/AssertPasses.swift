import TestKit
import XCTest

/// Runs every check of `suite` and reports each failing one as its own XCTest failure (with the
/// check's name, where it failed and by how much); skipped checks are printed with their reason.
///
/// ```swift
/// final class ClassifierTests: XCTestCase {
///     func testModel() { assertPasses(CheckSuite<ModelCheck>(subject: classifierSubject)) }
///     func testData() { assertPasses(CheckSuite<DatasetCheck>(subject: digits, checks: [.valueRange, .leakage])) }
/// }
/// ```
/// - Returns: the reports of all checks, for further inspection.
@discardableResult
public func assertPasses<C: Check>(
    _ suite: CheckSuite<C>, file: StaticString = #filePath,
    line: UInt = #line
) -> [CheckReport] {
    let reports = suite.run()
    report(reports, fail: { XCTFail($0, file: file, line: line) }, note: { print($0) })
    return reports
}

/// Runs one check against `subject` and reports a failure as an XCTest failure.
/// - Returns: the result, or `nil` when the check failed.
@discardableResult
public func assertPasses<C: Check>(
    _ check: C, on subject: C.Subject, file: StaticString = #filePath,
    line: UInt = #line
) -> CheckResult? {
    do throws(CheckFailure) {
        return try check.run(on: subject)
    } catch {
        XCTFail("\(subject.name): \(error)", file: file, line: line)
        return nil
    }
}

/// Calls `fail` once per failed report and `note` once per skipped one.
func report(_ reports: [CheckReport], fail: (String) -> Void, note: (String) -> Void) {
    for report in reports {
        switch report.outcome {
        case .passed:
            break
        case .skipped(let reason):
            note("\(report.check) on \(report.subject) skipped: \(reason)")
        case .failed(let failure):
            fail("\(report.subject): \(failure)")
        }
    }
}
