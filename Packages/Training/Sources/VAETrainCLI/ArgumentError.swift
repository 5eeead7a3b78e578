/// A command line `vae-train` cannot run; the message names the flag and what it accepts.
public enum ArgumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No model type was given.
    case missingModel
    /// A flag that does not exist; `suggestion` is the closest real one.
    case unknownFlag(String, suggestion: String?)
    /// A flag that needs a value came last.
    case missingValue(flag: String, expected: String)
    /// A value a flag does not accept.
    case invalidValue(flag: String, value: String, expected: String)
    /// A flag that takes no value was given one (`--deterministic-eval=yes`).
    case unexpectedValue(flag: String, value: String)
    /// A second positional argument, or a model type given twice.
    case unexpectedArgument(String)

    public var description: String {
        switch self {
        case .missingModel:
            return "the model type is required: vae-train mlp|cnn [options] (see vae-train --help)"
        case .unknownFlag(let flag, let suggestion):
            return "unknown option '\(flag)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "") + "; see vae-train --help"
        case .missingValue(let flag, let expected):
            return "\(flag) needs a value: \(expected)"
        case .invalidValue(let flag, let value, let expected):
            return "invalid value '\(value)' for \(flag): expected \(expected)"
        case .unexpectedValue(let flag, let value):
            return "\(flag) takes no value, got '\(value)'"
        case .unexpectedArgument(let argument):
            return
                "unexpected argument '\(argument)': the model type is given once, everything else as --flag value (see vae-train --help)"
        }
    }
}
