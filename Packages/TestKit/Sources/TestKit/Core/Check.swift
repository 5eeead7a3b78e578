import Synchronization
import TensorCore

/// Something a check can be run against (a dataset description, a model description, …).
public protocol CheckSubject: Sendable {
    /// A short name for reports, e.g. `"MLPVAE(d=16)"` or `"MNIST"`.
    var name: String { get }
}

/// What a check that did not fail says: it passed (with a one-line summary of what it measured)
/// or it was skipped (with the reason).
public enum CheckResult: Sendable, Equatable, CustomStringConvertible {
    /// The check ran and passed; the text says what was verified, e.g. `"4 of 4 samples independent"`.
    case passed(String)
    /// The check did not run; the text says why, e.g. `"only one device (cpu) is available"`.
    case skipped(String)

    /// True for ``passed(_:)``.
    public var isPassed: Bool { if case .passed = self { return true } else { return false } }
    /// True for ``skipped(_:)``.
    public var isSkipped: Bool { if case .skipped = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .passed(let summary): return "passed: \(summary)"
        case .skipped(let reason): return "skipped: \(reason)"
        }
    }
}

/// One check of a family (datasets, models, losses, trainers): a value with a name, run against a subject.
///
/// The families are enums (``DatasetCheck``, ``ModelCheck``, ``LossCheck``, ``TrainerCheck``), so
/// `allCases` lists the whole suite and a parameterised test reports one result per check.
///
/// ## Swift Testing
/// ```swift
/// import Testing
/// import TestKit
/// import TestKitTesting      // verify(on:) reports a skip as a skipped test case
///
/// @Test(arguments: ModelCheck.allCases)
/// func classifier(_ check: ModelCheck) throws {
///     try check.verify(on: classifierSubject)
/// }
/// ```
/// ## XCTest
/// ```swift
/// import XCTest
/// import TestKit
/// import TestKitXCTest
///
/// final class ClassifierTests: XCTestCase {
///     func testModelSuite() { assertPasses(CheckSuite<ModelCheck>(subject: classifierSubject)) }
/// }
/// ```
/// ## Anywhere else
/// `try check.run(on: subject)` returns a ``CheckResult`` or throws a ``CheckFailure``.
///
/// A custom check family conforms by implementing ``evaluate(on:)``; ``run(on:)`` adds the
/// tensor checking scope, the error translation and the process-wide serialisation.
public protocol Check: Sendable, Hashable, CaseIterable, CustomStringConvertible where AllCases == [Self] {
    /// The description of the component the checks run against (a ``ModelSubject``, a ``DatasetSubject``, …).
    associatedtype Subject: CheckSubject

    /// Stable dotted name used in reports, e.g. `"model.batchIndependence"`.
    var name: String { get }

    /// The check's body. Call ``run(on:)`` instead: it wraps this in the checking scope.
    /// - Throws: ``CheckFailure`` when the subject fails; other errors are reported as failures.
    func evaluate(on subject: Subject) throws -> CheckResult
}

extension Check {
    public var description: String { name }

    /// Runs the check against `subject`.
    ///
    /// The body runs inside TensorCore's checking scope (``withTensorChecking(_:)``): a tensor
    /// operation misused by the subject (a shape mismatch, mixed devices) fails the check with the
    /// operation's message instead of stopping the process. Any other error thrown by the subject
    /// (a dataset read error, a device error) becomes a failure naming its type and message.
    ///
    /// Checks run one at a time in a process (a process-wide lock), because several of them seed
    /// the process-wide random generator with ``makeDeterministic(seed:)``; parallel test runners
    /// therefore cannot interleave their random draws.
    ///
    /// - Returns: ``CheckResult/passed(_:)`` or ``CheckResult/skipped(_:)``.
    /// - Throws: ``CheckFailure`` naming this check, what failed, where and by how much.
    @discardableResult
    public func run(on subject: Subject) throws(CheckFailure) -> CheckResult {
        let outcome = checkSerialisation.withLock { _ in
            Result { () throws(CheckFailure) -> CheckResult in
                try stage(nil) { try evaluate(on: subject) }
            }
        }
        switch outcome {
        case .success(let result): return result
        case .failure(let failure): throw failure.attributed(to: name)
        }
    }
}

/// Serialises check runs across the process (see ``Check/run(on:)``).
let checkSerialisation = Mutex(())

/// Runs `body` in its own tensor checking scope and turns every error into a ``CheckFailure``.
///
/// A tensor failure recorded in the scope wins over a failure thrown later by the same body,
/// since the later one is usually a consequence of the placeholder tensor. `phase` (e.g.
/// `"forward pass on cuda:0"`) prefixes the message of errors that are not already
/// ``CheckFailure``s; `location` is merged into every failure (fields set by the failure win).
func stage<T>(
    _ phase: String?, at location: CheckLocation = CheckLocation(),
    _ body: () throws -> T
) throws(CheckFailure) -> T {
    let prefix = phase.map { "\($0): " } ?? ""
    let outcome: Result<T, any Error>
    do {
        outcome = try withTensorChecking { Result { try body() } }
    } catch let error as TensorError {
        throw CheckFailure("\(prefix)tensor operation failed: \(error)", at: location)
    } catch {
        throw CheckFailure("\(prefix)\(describe(error))", at: location)
    }
    switch outcome {
    case .success(let value):
        return value
    case .failure(let failure as CheckFailure):
        var located = failure
        located.location = location.merging(failure.location)
        throw located
    case .failure(let error):
        throw CheckFailure("\(prefix)\(describe(error))", at: location)
    }
}

/// `"TypeName: description"` for an arbitrary error.
func describe(_ error: any Error) -> String {
    if let tensorError = error as? TensorError { return "tensor operation failed: \(tensorError)" }
    return "\(type(of: error)) was thrown: \(error)"
}
