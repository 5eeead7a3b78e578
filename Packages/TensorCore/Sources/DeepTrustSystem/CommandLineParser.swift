// The one command-line parser of DeepTrust's tools (vae-train, dlcheck, cuda-check, bench and the
// `dev` utilities): a declarative list of flags parsed strictly, with the errors and the help text
// generated from it. Foundation-free, like the rest of this module.

/// What a flag's value (or a positional argument) must be; checked while the command line is parsed.
public enum CommandLineValue: Sendable {
    /// Any text; with `nonEmpty`, not the empty string (`--log-dir=`).
    case text(nonEmpty: Bool)
    /// A whole number in `range` (an `Int`).
    case integer(ClosedRange<Int>)
    /// A whole number in 0...`UInt64.max`.
    case unsigned
    /// A finite number greater than zero (a `Double`).
    case positiveNumber
    /// One of `choices`; with `caseInsensitive`, compared after lowercasing the text.
    case choice([String], caseInsensitive: Bool)
    /// One or more comma-separated elements, each checked as `element`; the error names the
    /// element that fails.
    indirect case list(CommandLineValue)
    /// Text `accepts` returns true for (a device name, say); ``CommandLineFlag/expected`` says what.
    case custom(@Sendable (String) -> Bool)

    /// One of `choices`, compared exactly.
    public static func choice(_ choices: [String]) -> CommandLineValue { .choice(choices, caseInsensitive: false) }

    /// Whether `text` is a valid value; the failing part of it when not (for a list, one element).
    func rejected(_ text: String) -> String? {
        switch self {
        case .text(let nonEmpty): return nonEmpty && text.isEmpty ? text : nil
        case .integer(let range): return Int(text).map(range.contains) == true ? nil : text
        case .unsigned: return UInt64(text) == nil ? text : nil
        case .positiveNumber:
            guard let number = Double(text), number.isFinite, number > 0 else { return text }
            return nil
        case .choice(let choices, let caseInsensitive):
            return choices.contains(caseInsensitive ? text.lowercased() : text) ? nil : text
        case .list(let element):
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !text.isEmpty else { return text }
            for part in parts {
                if let bad = element.rejected(part) { return bad }
            }
            return nil
        case .custom(let accepts): return accepts(text) ? nil : text
        }
    }

    /// The default of ``CommandLineFlag/expected``: what the value must be, in words.
    var expected: String {
        switch self {
        case .text(let nonEmpty): return nonEmpty ? "a non-empty text" : "a text"
        case .integer(let range):
            if range.upperBound == .max { return "a whole number ≥ \(range.lowerBound)" }
            return "a whole number in \(range.lowerBound)...\(range.upperBound)"
        case .unsigned: return "a whole number in 0...\(UInt64.max)"
        case .positiveNumber: return "a finite number > 0"
        case .choice(let choices, _): return Self.alternatives(choices)
        case .list(let element): return "a comma-separated list of \(element.expected)"
        case .custom: return "a valid value"
        }
    }

    /// `a`, `a or b`, `a, b or c`.
    static func alternatives(_ choices: [String]) -> String {
        guard let last = choices.last else { return "" }
        return choices.count == 1 ? last : choices.dropLast().joined(separator: ", ") + " or " + last
    }
}

/// One flag of a command line: its spellings, its value, its help.
public struct CommandLineFlag: Sendable {
    /// What a second occurrence of a flag does.
    public enum Repetition: Sendable {
        /// It is an error (``CommandLineError/repeatedFlag(_:)``).
        case refused
        /// It replaces the earlier value (`-d cuda --device=cpu` gives `cpu`).
        case lastWins
    }

    /// The long spelling, `--name`.
    public var name: String
    /// The short spelling, `-n`, if any.
    public var short: String?
    /// What the value must be; `nil` for a switch, which takes none.
    public var value: CommandLineValue?
    /// The value's name in the help (`N`, `DIR`).
    public var placeholder: String
    /// What the value must be, in the errors (defaults to a description of ``value``).
    public var expected: String
    /// The help text; `\n` starts a continuation line.
    public var help: String
    /// What a second occurrence does.
    public var repetition: Repetition
    /// Left out of the generated help (an alternative spelling of a positional argument, say).
    public var hidden: Bool

    /// A flag that takes a value.
    public init(
        _ name: String, short: String? = nil, value: CommandLineValue, placeholder: String, expected: String? = nil,
        help: String, repetition: Repetition = .refused, hidden: Bool = false
    ) {
        self.name = name
        self.short = short
        self.value = value
        self.placeholder = placeholder
        self.expected = expected ?? value.expected
        self.help = help
        self.repetition = repetition
        self.hidden = hidden
    }

    /// A switch: a flag that takes no value.
    public init(_ name: String, short: String? = nil, help: String, repetition: Repetition = .refused, hidden: Bool = false) {
        self.name = name
        self.short = short
        self.value = nil
        self.placeholder = ""
        self.expected = ""
        self.help = help
        self.repetition = repetition
        self.hidden = hidden
    }
}

/// The positional argument of a command line: one (`vae-train mlp`), or any number (`dev
/// format-check Packages Tools`).
public struct CommandLinePositional: Sendable {
    /// Its name in the errors ("the model type").
    public var name: String
    /// Its spelling in the help (`mlp|cnn`).
    public var placeholder: String
    /// What it must be.
    public var value: CommandLineValue
    /// What it must be, in the errors (defaults to a description of ``value``).
    public var expected: String
    /// The help text; `\n` starts a continuation line.
    public var help: String
    /// Whether it may be given more than once (every one is checked and kept, in order).
    public var many: Bool

    /// A positional argument named `name` in errors and `placeholder` in the help; with `many`, any
    /// number of them.
    public init(
        name: String, placeholder: String, value: CommandLineValue, expected: String? = nil, help: String, many: Bool = false
    ) {
        self.name = name
        self.placeholder = placeholder
        self.value = value
        self.expected = expected ?? value.expected
        self.help = help
        self.many = many
    }
}

/// A command line that cannot be parsed; every case names the flag (or argument) at fault.
public enum CommandLineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A flag that does not exist; `suggestion` is the closest real one, if any is close.
    case unknownFlag(String, suggestion: String?)
    /// A flag that needs a value came last.
    case missingValue(flag: String, expected: String)
    /// A flag that needs a value is followed by an option (`--log-dir --deterministic-eval`); such
    /// a value is only taken as `--flag=value`.
    case optionInsteadOfValue(flag: String, expected: String, found: String)
    /// A value the flag (or the positional argument) does not accept.
    case invalidValue(flag: String, value: String, expected: String)
    /// A switch was given a value (`--overwrite=yes`).
    case unexpectedValue(flag: String, value: String)
    /// A flag given twice that may be given once.
    case repeatedFlag(String)
    /// A positional argument the command does not take (or a second one).
    case unexpectedArgument(String)

    /// The message, without the program's name.
    public var description: String {
        switch self {
        case .unknownFlag(let flag, let suggestion):
            return "unknown option '\(flag)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .missingValue(let flag, let expected):
            return "\(flag) needs a value: \(expected)"
        case .optionInsteadOfValue(let flag, let expected, let found):
            return "\(flag) needs a value: \(expected); found the option '\(found)' instead "
                + "(a value that starts with '-' is given as \(flag)=\(found))"
        case .invalidValue(let flag, let value, let expected):
            return "invalid value '\(value)' for \(flag): expected \(expected)"
        case .unexpectedValue(let flag, let value):
            return "\(flag) takes no value, got '\(value)'"
        case .repeatedFlag(let flag):
            return "\(flag) is given more than once"
        case .unexpectedArgument(let argument):
            return "unexpected argument '\(argument)'"
        }
    }
}

/// What a command line parsed to.
public enum CommandLineParse: Sendable, Hashable {
    /// `-h` or `--help` appeared somewhere: print the help, whatever else was given.
    case help
    /// The flags and the positional argument, all checked.
    case arguments(ParsedCommandLine)
}

/// A parsed command line: every flag given, in order, under its long name, with its checked value.
public struct ParsedCommandLine: Sendable, Hashable {
    /// One flag as given: its long name and its value (`nil` for a switch).
    public struct Occurrence: Sendable, Hashable {
        /// The flag's long name.
        public var flag: String
        /// Its value; `nil` for a switch.
        public var value: String?

        /// The flag `flag` given with `value`.
        public init(flag: String, value: String?) {
            self.flag = flag
            self.value = value
        }
    }

    /// The flags in the order given.
    public var occurrences: [Occurrence]
    /// The positional arguments in the order given (at most one unless the spec allows `many`).
    public var positionals: [String]
    /// The (first) positional argument, if given.
    public var positional: String? { positionals.first }

    /// A command line of `occurrences` and `positionals`.
    public init(occurrences: [Occurrence], positionals: [String] = []) {
        self.occurrences = occurrences
        self.positionals = positionals
    }

    /// Whether the flag named `name` (long name) was given.
    public func contains(_ name: String) -> Bool { occurrences.contains { $0.flag == name } }

    /// The last value of the flag named `name`, if given.
    public func value(_ name: String) -> String? { occurrences.last { $0.flag == name }?.value }

    /// The last value of `name` as a whole number (checked while parsing when the flag is `.integer`).
    public func integer(_ name: String) -> Int? { value(name).flatMap { Int($0) } }

    /// The last value of `name` split at commas (a `.list` flag).
    public func list(_ name: String) -> [String]? {
        value(name).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }
}

/// A command line's flags and positional argument: parses `[String]` strictly and writes the help.
///
/// ```swift
/// let spec = CommandLineSpec(flags: [
///     CommandLineFlag("--epochs", short: "-e", value: .integer(1...Int.max), placeholder: "N", help: "epochs"),
///     CommandLineFlag("--overwrite", help: "delete the earlier run first"),
/// ])
/// guard case .arguments(let parsed) = try spec.parse(["--epochs=3"]) else { print(spec.flagHelp()); ... }
/// ```
/// The rules: `--flag value` and `--flag=value` (the second form also for values that start
/// with `-`); a value that looks like an option (it starts with `--`, or is another flag's
/// spelling or `-h`) is refused rather than taken; a switch takes no value; an unknown flag is
/// named with the closest real one; a flag given twice is refused unless it is `.lastWins`;
/// `-h` or `--help` anywhere asks for help. Values are checked in the order given.
public struct CommandLineSpec: Sendable {
    /// The flags, in the order of the help.
    public var flags: [CommandLineFlag]
    /// The positional argument, if the command takes one.
    public var positional: CommandLinePositional?
    /// The help line of `-h, --help`.
    public var helpText: String

    /// A command line of `flags` and at most one `positional` argument.
    public init(flags: [CommandLineFlag], positional: CommandLinePositional? = nil, helpText: String = "show this help") {
        self.flags = flags
        self.positional = positional
        self.helpText = helpText
    }

    /// The flag spelled `text` (long or short), if any.
    public func flag(_ text: String) -> CommandLineFlag? { flags.first { $0.name == text || $0.short == text } }

    /// Parses `arguments` (without the program name).
    /// - Throws: ``CommandLineError`` for the first problem, in the order of the arguments.
    public func parse(_ arguments: [String]) throws(CommandLineError) -> CommandLineParse {
        if arguments.contains(where: Self.isHelp) { return .help }
        var parsed = ParsedCommandLine(occurrences: [])
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                guard let positional, positional.many || parsed.positionals.isEmpty else { throw .unexpectedArgument(argument) }
                if positional.value.rejected(argument) != nil {
                    throw .invalidValue(flag: positional.name, value: argument, expected: positional.expected)
                }
                parsed.positionals.append(argument)
                continue
            }
            var name = argument
            var inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            guard let flag = flag(name) else { throw .unknownFlag(name, suggestion: suggestion(for: name)) }
            if flag.repetition == .refused && parsed.contains(flag.name) { throw .repeatedFlag(flag.name) }
            guard let value = flag.value else {
                if let inline { throw .unexpectedValue(flag: flag.name, value: inline) }
                parsed.occurrences.append(.init(flag: flag.name, value: nil))
                continue
            }
            let text: String
            if let inline {
                text = inline
            } else if index < arguments.count {
                let next = arguments[index]
                // `--log-dir --deterministic-eval` is a forgotten value, not a directory name.
                if next.hasPrefix("--") || self.flag(next) != nil || Self.isHelp(next) {
                    throw .optionInsteadOfValue(flag: flag.name, expected: flag.expected, found: next)
                }
                text = next
                index += 1
            } else {
                throw .missingValue(flag: flag.name, expected: flag.expected)
            }
            if let bad = value.rejected(text) { throw .invalidValue(flag: flag.name, value: bad, expected: flag.expected) }
            parsed.occurrences.append(.init(flag: flag.name, value: text))
        }
        return .arguments(parsed)
    }

    /// The real flag within a small edit distance of `text` (a typo), if any.
    public func suggestion(for text: String) -> String? {
        let typed = text.hasPrefix("--") ? text : "--" + text.drop { $0 == "-" }
        let scored = (flags.map(\.name) + ["--help"]).map { ($0, editDistance(typed, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 3 else { return nil }
        return best.0
    }

    /// The help of the positional argument and every visible flag, then `-h, --help`: one entry a
    /// line, `indent` spaces in, the help text in a column `column` characters further (an entry
    /// longer than that puts its help on the next line).
    public func flagHelp(indent: Int = 2, column: Int = 22) -> String {
        var entries: [(String, String)] = []
        if let positional { entries.append((positional.placeholder, positional.help)) }
        for flag in flags where !flag.hidden {
            let spelling = (flag.short.map { "\($0), " } ?? "") + flag.name
            entries.append((flag.value == nil ? spelling : spelling + " " + flag.placeholder, flag.help))
        }
        entries.append(("-h, --help", helpText))
        let margin = String(repeating: " ", count: indent)
        let continuation = String(repeating: " ", count: indent + column)
        var lines: [String] = []
        for (names, help) in entries {
            let padded =
                names.count < column ? names + String(repeating: " ", count: column - names.count) : names + "\n" + continuation
            let helpLines = help.split(separator: "\n", omittingEmptySubsequences: false)
            lines.append(margin + padded + (helpLines.first ?? ""))
            lines += helpLines.dropFirst().map { continuation + $0 }
        }
        return lines.joined(separator: "\n")
    }

    private static func isHelp(_ text: String) -> Bool { text == "-h" || text == "--help" }
}
