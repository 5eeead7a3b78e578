import DeepTrustSystem

/// A command line `vae-train` cannot run; the message names the flag and what it accepts.
public enum ArgumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No model type was given.
    case missingModel
    /// A flag that does not exist; `suggestion` is the closest real one.
    case unknownFlag(String, suggestion: String?)
    /// A flag that needs a value came last.
    case missingValue(flag: String, expected: String)
    /// A flag that needs a value is followed by an option (`--log-dir --deterministic-eval`); such a
    /// value is only taken as `--flag=value`.
    case optionInsteadOfValue(flag: String, expected: String, found: String)
    /// A value a flag does not accept.
    case invalidValue(flag: String, value: String, expected: String)
    /// A flag that takes no value was given one (`--deterministic-eval=yes`).
    case unexpectedValue(flag: String, value: String)
    /// A second positional argument, or a model type given twice.
    case unexpectedArgument(String)
    /// A flag given twice that may be given once (every flag of `vae-train` may be repeated today;
    /// the last one wins).
    case repeatedFlag(String)
    /// Two flags that cannot be given together; `reason` says why.
    case conflictingFlags(String, String, reason: String)
    /// A size that cannot work on this machine (refused before anything is allocated).
    case infeasible(flag: String, value: String, reason: String)

    /// The error of the shared command-line parser, as `vae-train` reports it.
    public init(_ error: CommandLineError) {
        switch error {
        case .unknownFlag(let flag, let suggestion): self = .unknownFlag(flag, suggestion: suggestion)
        case .missingValue(let flag, let expected): self = .missingValue(flag: flag, expected: expected)
        case .optionInsteadOfValue(let flag, let expected, let found):
            self = .optionInsteadOfValue(flag: flag, expected: expected, found: found)
        case .invalidValue(let flag, let value, let expected): self = .invalidValue(flag: flag, value: value, expected: expected)
        case .unexpectedValue(let flag, let value): self = .unexpectedValue(flag: flag, value: value)
        case .repeatedFlag(let flag): self = .repeatedFlag(flag)
        case .unexpectedArgument(let argument): self = .unexpectedArgument(argument)
        }
    }

    /// The message, without the program's name: the shared parser's message for the errors it
    /// also reports (with a pointer to the help for an unknown flag).
    public var description: String {
        switch self {
        case .missingModel:
            return "the model type is required: vae-train mlp|cnn [options] (see vae-train --help)"
        case .unknownFlag(let flag, let suggestion):
            return CommandLineError.unknownFlag(flag, suggestion: suggestion).description + "; see vae-train --help"
        case .missingValue(let flag, let expected):
            return CommandLineError.missingValue(flag: flag, expected: expected).description
        case .optionInsteadOfValue(let flag, let expected, let found):
            return CommandLineError.optionInsteadOfValue(flag: flag, expected: expected, found: found).description
        case .invalidValue(let flag, let value, let expected):
            return CommandLineError.invalidValue(flag: flag, value: value, expected: expected).description
        case .unexpectedValue(let flag, let value):
            return CommandLineError.unexpectedValue(flag: flag, value: value).description
        case .conflictingFlags(let first, let second, let reason):
            return "\(first) cannot be given with \(second): \(reason)"
        case .infeasible(let flag, let value, let reason):
            return "invalid value '\(value)' for \(flag): \(reason)"
        case .repeatedFlag(let flag):
            return CommandLineError.repeatedFlag(flag).description
        case .unexpectedArgument(let argument):
            return
                "unexpected argument '\(argument)': the model type is given once, everything else as --flag value (see vae-train --help)"
        }
    }
}
