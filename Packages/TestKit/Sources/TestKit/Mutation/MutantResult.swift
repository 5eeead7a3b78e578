/// What became of one mutant: one operator planted into one subject.
public struct MutantResult: Sendable, Equatable, CustomStringConvertible {
    /// How a mutant ended.
    public enum Outcome: Sendable, Equatable {
        /// A check failed on the mutant (and passes on the unmutated subject): the suite noticed the fault.
        case killed(check: String, message: String)
        /// Every check passed on the mutant: the suite lets this fault through.
        case survived
        /// The operator does not apply to the subject (not counted), with the reason.
        case notApplicable(String)
        /// The mutant changes no output of the subject, so no check could notice it (not counted).
        case equivalent
    }

    /// The operator's name, e.g. `"model.samplesRolled"`.
    public var operatorName: String
    /// The operator's family.
    public var family: MutationFamily
    /// The real fault the operator stands for.
    public var fault: String
    /// The class of real faults it belongs to, when a study names one.
    public var citation: String?
    /// The subject it was planted into.
    public var subject: String
    /// How it ended.
    public var outcome: Outcome
    /// Wall-clock time of planting and judging it.
    public var duration: Duration

    /// A result from its parts (``MutationRunner`` makes them).
    public init(
        operatorName: String, family: MutationFamily, fault: String, citation: String?, subject: String,
        outcome: Outcome, duration: Duration
    ) {
        self.operatorName = operatorName
        self.family = family
        self.fault = fault
        self.citation = citation
        self.subject = subject
        self.outcome = outcome
        self.duration = duration
    }

    /// `"killed"`, `"survived"`, `"not applicable"` or `"equivalent"`.
    public var status: String {
        switch outcome {
        case .killed: return "killed"
        case .survived: return "survived"
        case .notApplicable: return "not applicable"
        case .equivalent: return "equivalent"
        }
    }

    /// Whether the mutant counts towards the score (applicable and not equivalent).
    public var isCounted: Bool {
        switch outcome {
        case .killed, .survived: return true
        case .notApplicable, .equivalent: return false
        }
    }

    /// Whether a check killed the mutant.
    public var isKilled: Bool { if case .killed = outcome { return true } else { return false } }

    /// The killing check's name, when killed.
    public var killingCheck: String? { if case .killed(let check, _) = outcome { return check } else { return nil } }

    /// The killing check's message, the reason it does not apply, or a note for the other outcomes.
    public var message: String {
        switch outcome {
        case .killed(_, let message): return message
        case .survived: return "every check passed: the suite does not notice \(fault)"
        case .notApplicable(let reason): return reason
        case .equivalent: return "the mutant changes no output of the subject"
        }
    }

    /// One line: operator, subject, status, killing check.
    public var description: String {
        "\(operatorName) on \(subject): \(status)" + (killingCheck.map { " by \($0)" } ?? "") + " — \(message)"
    }
}
