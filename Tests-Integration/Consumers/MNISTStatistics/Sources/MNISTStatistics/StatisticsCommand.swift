import MNISTData

/// The command line of `mnist-statistics`: `[DIR] [--split train|test]`.
public struct StatisticsCommand: Sendable, Equatable {
    /// The directory holding the four IDX files, or `nil` for MNISTData's lookup
    /// (`$MNIST_DIR`, then the per-user cache).
    public var directory: String?
    /// The split to load (default: test).
    public var split: MNIST.Split

    /// The usage line printed by `--help` and with every argument error.
    public static let usage = "usage: mnist-statistics [DIR] [--split train|test]   (DIR defaults to $MNIST_DIR)"

    /// A command from its parts.
    public init(directory: String? = nil, split: MNIST.Split = .test) {
        self.directory = directory
        self.split = split
    }

    /// Parses the arguments after the program name.
    /// - Throws: ``StatisticsCommandError`` naming the bad argument.
    public init(arguments: [String]) throws(StatisticsCommandError) {
        self.init()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--split":
                guard let value = rest.popFirst() else { throw .missingValue(flag: "--split") }
                guard let split = MNIST.Split(rawValue: value) else { throw .invalidSplit(value) }
                self.split = split
            case "-h", "--help":
                throw .helpRequested
            default:
                guard !argument.hasPrefix("-") else { throw .unknownFlag(argument) }
                guard directory == nil else { throw .extraArgument(argument) }
                directory = argument
            }
        }
    }

    /// Loads the split (without downloading) and computes its statistics.
    /// - Throws: MNISTData's `DatasetFilesError` (files missing, saying where to put them) or `IDXError`.
    public func run() throws -> SplitStatistics {
        SplitStatistics(try MNIST(split: split, directory: directory).data)
    }
}

/// A command line `mnist-statistics` cannot run.
public enum StatisticsCommandError: Error, Equatable, CustomStringConvertible {
    /// `--help` or `-h`: print the usage and stop.
    case helpRequested
    /// A flag that needs a value came last.
    case missingValue(flag: String)
    /// `--split` got something other than `train` or `test`.
    case invalidSplit(String)
    /// A flag the command does not know.
    case unknownFlag(String)
    /// A second directory argument.
    case extraArgument(String)

    /// What is wrong, naming the argument.
    public var description: String {
        switch self {
        case .helpRequested: return StatisticsCommand.usage
        case .missingValue(let flag): return "\(flag) needs a value"
        case .invalidSplit(let value): return "--split '\(value)': expected 'train' or 'test'"
        case .unknownFlag(let flag): return "unknown option '\(flag)'"
        case .extraArgument(let argument): return "unexpected argument '\(argument)': only one directory can be given"
        }
    }
}
