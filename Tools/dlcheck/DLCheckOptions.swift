import TensorCore

/// The command line of `dlcheck`.
struct DLCheckOptions {
    /// The suites dlcheck knows.
    enum Suite: String, CaseIterable {
        case models, losses, datasets, trainer, distributed, backend
    }

    var device: Device = .cpu
    var suites: [Suite] = Suite.allCases
    var dataDirectory: String?
    var jsonPath: String?
    var showHelp = false

    static let help = """
        usage: dlcheck [--device cpu|cuda[:N]] [--suite models,losses,datasets,trainer,distributed,backend] [--data-dir DIR] [--json FILE]
               dlcheck --mutate [--json FILE] [--operators NAME,…]   (mutation analysis; see dlcheck --mutate --help)

        Runs TestKit's checks against DeepTrust's own datasets, models, losses and trainer, and the backend of
        the chosen device against the CPU's (skipped on the CPU, the reference itself). Prints one line
        per check as it finishes ([result] check (configuration), time: message), then a table of all
        checks (check, configuration, result, time, message), then the same as JSON.

          --device DEV     where models are built and run: cpu (default), cuda or cuda:N
                           (cuda needs the CUDABackend package's driver and a GPU; the device-moving
                           check moves a copy to the other device)
          --suite LIST     comma-separated suites to run (default: all): \(Suite.allCases.map(\.rawValue).joined(separator: ", "))
          --data-dir DIR   directory with the four MNIST .gz files for the dataset suite
                           (default: $MNIST_DIR; the suite is skipped with a message when neither is set)
          --json FILE      also write JSON to FILE (checked to be writable before any check runs):
                           one line per check as it finishes, {"check": …, "configuration": …,
                           "result": "passed"|"failed"|"skipped", "seconds": …, "message": …},
                           then, when all have run, the final report on one line:
                           {"device": …, "reports": [the objects above]}
          -h, --help       this text

        Exit status: 0 when no check failed, 1 when one did, 2 for a bad flag or an unavailable device.
        """

    /// Parses `arguments` (without the program name).
    /// - Throws: ``DLCheckError`` naming the flag and the allowed values.
    static func parse(_ arguments: [String]) throws(DLCheckError) -> DLCheckOptions {
        var options = DLCheckOptions()
        var index = 0
        func value(for flag: String) throws(DLCheckError) -> String {
            index += 1
            guard index < arguments.count, !arguments[index].hasPrefix("-") || arguments[index] == "-" else {
                throw .missingValue(flag)
            }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help": options.showHelp = true
            case "--device":
                let text = try value(for: argument)
                do { options.device = try Device(parsing: text) } catch {
                    throw .badValue(flag: argument, value: text, allowed: "cpu, cuda, cuda:N")
                }
            case "--suite":
                let text = try value(for: argument)
                var suites: [Suite] = []
                for name in text.split(separator: ",") {
                    guard let suite = Suite(rawValue: String(name)) else {
                        throw .badValue(
                            flag: argument, value: String(name), allowed: Suite.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    suites.append(suite)
                }
                options.suites = suites
            case "--data-dir": options.dataDirectory = try value(for: argument)
            case "--json": options.jsonPath = try value(for: argument)
            default: throw .unknownFlag(argument)
            }
            index += 1
        }
        return options
    }
}

/// A bad command line.
enum DLCheckError: Error, CustomStringConvertible {
    case unknownFlag(String)
    case missingValue(String)
    case badValue(flag: String, value: String, allowed: String)

    var description: String {
        switch self {
        case .unknownFlag(let flag): return "unknown flag '\(flag)'"
        case .missingValue(let flag): return "flag \(flag) needs a value"
        case .badValue(let flag, let value, let allowed): return "\(flag): '\(value)' is not allowed; use one of: \(allowed)"
        }
    }
}
