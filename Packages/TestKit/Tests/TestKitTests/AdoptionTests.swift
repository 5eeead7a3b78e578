import Testing
import TestKit
import TestKitTesting
@testable import TestKitXCTest
import XCTest

// How a project adopts TestKit: a few lines per suite.

let classifierSubject = ModelSubjects.classifier("MLP classifier") { MLPClassifier() }

/// Swift Testing: one parameterised test per suite gives one reported result per check.
@Test(arguments: ModelCheck.allCases)
func classifierModel(_ check: ModelCheck) throws {
    SimulatedDevice.install()
    try check.verify(on: classifierSubject)
}

@Test(arguments: DatasetCheck.allCases, ["train", "test"])
func syntheticData(_ check: DatasetCheck, split: String) throws {
    var subject = DatasetSubjects.make()
    subject.skipped[.normalizationStatistics] = "the synthetic images are not normalised"
    try check.verify(on: subject.focused(on: split))
}

/// A declared skip reaches Swift Testing as a cancelled (skipped) test case, not a pass or a failure.
@Test func skippedCheckIsReportedAsSkipped() throws {
    var subject = TrainerCheckTests.subject()
    subject.skipped[.resumeDeterminism] = "cannot resume"
    try TrainerCheck.resumeDeterminism.verify(on: subject)
    Issue.record("verify(on:) returned for a skipped check")
}

/// XCTest: one call runs a whole suite and reports each failing check as its own failure.
final class XCTestAdoptionTests: XCTestCase {
    func testTrainerSuite() {
        let reports = assertPasses(CheckSuite<TrainerCheck>(subject: TrainerCheckTests.subject()))
        XCTAssertEqual(reports.map(\.status), Array(repeating: "passed", count: TrainerCheck.allCases.count))
    }

    func testOneCheck() {
        XCTAssertEqual(assertPasses(KLDivergenceCheck.closedForm, on: KLDivergenceCheckTests.subject(.correct))?.isPassed, true)
    }

    func testEveryFailingCheckIsReportedSeparately() {
        var subject = TrainerCheckTests.subject(.tagTypo)
        subject.skipped[.resumeDeterminism] = "not resumable"
        let reports = CheckSuite<TrainerCheck>(
            subject: subject, checks: [.loggingContract, .overfitOneBatch, .resumeDeterminism]
        ).run()
        var failures: [String] = [], notes: [String] = []
        report(reports, fail: { failures.append($0) }, note: { notes.append($0) })
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures.first?.contains("trainer.loggingContract") == true)
        XCTAssertTrue(failures.first?.contains("did you mean 'train/loss'?") == true)
        XCTAssertEqual(notes, ["trainer.resumeDeterminism on tiny regression (tagTypo) skipped: not resumable"])
    }
}
