/// A subject together with the checks to run on it: the unit the XCTest helper and command-line
/// tools run and report on.
///
/// ```swift
/// let suite = CheckSuite<DatasetCheck>(subject: digits)   // every dataset check
/// for report in suite.run() { print(report) }
/// ```
public struct CheckSuite<C: Check>: Sendable {
    /// What the checks run against.
    public var subject: C.Subject
    /// The checks to run, in order (all of the family by default).
    public var checks: [C]

    /// A suite of `checks` (default: the whole family) on `subject`.
    public init(subject: C.Subject, checks: [C] = C.allCases) {
        self.subject = subject
        self.checks = checks
    }

    /// Runs every check (each one in turn, each inside the checking scope) and reports all of them;
    /// a failing check never stops the others.
    public func run() -> [CheckReport] {
        checks.map { check in
            let clock = ContinuousClock()
            let start = clock.now
            let outcome: CheckReport.Outcome
            do throws(CheckFailure) {
                switch try check.run(on: subject) {
                case .passed(let summary): outcome = .passed(summary)
                case .skipped(let reason): outcome = .skipped(reason)
                }
            } catch {
                outcome = .failed(error)
            }
            return CheckReport(
                check: check.name, subject: subject.name, outcome: outcome,
                duration: clock.now - start)
        }
    }
}

/// The outcome of one check in a suite run, with its timing.
public struct CheckReport: Sendable, Equatable, CustomStringConvertible {
    /// How a check ended.
    public enum Outcome: Sendable, Equatable {
        /// Passed, with the check's summary.
        case passed(String)
        /// Skipped, with the reason.
        case skipped(String)
        /// Failed, with what, where and by how much.
        case failed(CheckFailure)
    }

    /// The check's name, e.g. `"dataset.valueRange"`.
    public var check: String
    /// The subject's name, e.g. `"MNIST"`.
    public var subject: String
    /// How the check ended.
    public var outcome: Outcome
    /// Wall-clock time the check took.
    public var duration: Duration

    /// A report from its parts (``CheckSuite/run()`` makes them).
    public init(check: String, subject: String, outcome: Outcome, duration: Duration) {
        self.check = check
        self.subject = subject
        self.outcome = outcome
        self.duration = duration
    }

    /// The failure, when the check failed.
    public var failure: CheckFailure? {
        if case .failed(let failure) = outcome { return failure }
        return nil
    }

    /// `"passed"`, `"skipped"` or `"failed"`.
    public var status: String {
        switch outcome {
        case .passed: return "passed"
        case .skipped: return "skipped"
        case .failed: return "failed"
        }
    }

    /// The summary, skip reason or failure description.
    public var message: String {
        switch outcome {
        case .passed(let text), .skipped(let text): return text
        case .failed(let failure): return failure.description
        }
    }

    public var description: String { "\(check) on \(subject): \(status) — \(message)" }
}
