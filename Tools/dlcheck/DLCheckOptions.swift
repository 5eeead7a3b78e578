import DeepTrustSystem
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

    /// The flags of `dlcheck` (those of `dlcheck --mutate` are in Mutate.swift).
    static let spec = CommandLineSpec(
        flags: [
            CommandLineFlag(
                "--device", value: .custom { (try? Device(parsing: $0)) != nil }, placeholder: "DEV",
                expected: "cpu, cuda, cuda:N",
                help: """
                    where models are built and run: cpu (default), cuda or cuda:N
                    (cuda needs the CUDABackend package's driver and a GPU; the device-moving
                    check moves a copy to the other device)
                    """),
            CommandLineFlag(
                "--suite", value: .list(.choice(Suite.allCases.map(\.rawValue))), placeholder: "LIST",
                expected: Suite.allCases.map(\.rawValue).joined(separator: ", "),
                help: "comma-separated suites to run (default: all): \(Suite.allCases.map(\.rawValue).joined(separator: ", "))"),
            CommandLineFlag(
                "--data-dir", value: .text(nonEmpty: true), placeholder: "DIR", expected: "a directory",
                help: """
                    directory with the four MNIST .gz files for the dataset suite
                    (default: $MNIST_DIR; the suite is skipped with a message when neither is set)
                    """),
            CommandLineFlag(
                "--json", value: .text(nonEmpty: true), placeholder: "FILE", expected: "a file path",
                help: """
                    also write JSON to FILE (checked to be writable before any check runs):
                    one line per check as it finishes, {"check": …, "configuration": …,
                    "result": "passed"|"failed"|"skipped", "seconds": …, "message": …},
                    then, when all have run, the final report on one line:
                    {"device": …, "reports": [the objects above]}
                    """),
        ],
        helpText: "this text")

    static let help = """
        usage: dlcheck [--device cpu|cuda[:N]] [--suite models,losses,datasets,trainer,distributed,backend] [--data-dir DIR] [--json FILE]
               dlcheck --mutate [--json FILE] [--operators NAME,…]   (mutation analysis; see dlcheck --mutate --help)

        Runs TestKit's checks against DeepTrust's own datasets, models, losses and trainer, and the backend of
        the chosen device against the CPU's (skipped on the CPU, the reference itself). Prints one line
        per check as it finishes ([result] check (configuration), time: message), then a table of all
        checks (check, configuration, result, time, message), then the same as JSON.

        \(spec.flagHelp(column: 17))

        Exit status: 0 when no check failed, 1 when one did, 2 for a bad flag or an unavailable device.
        """

    /// Parses `arguments` (without the program name).
    /// - Throws: ``DLCheckError`` naming the flag and the allowed values.
    static func parse(_ arguments: [String]) throws(DLCheckError) -> DLCheckOptions {
        var options = DLCheckOptions()
        let parsed: ParsedCommandLine
        do {
            guard case .arguments(let line) = try spec.parse(arguments) else {
                options.showHelp = true
                return options
            }
            parsed = line
        } catch {
            throw DLCheckError(error)
        }
        if let text = parsed.value("--device") {
            do { options.device = try Device(parsing: text) } catch {
                throw DLCheckError(.invalidValue(flag: "--device", value: text, expected: "cpu, cuda, cuda:N"))
            }
        }
        if let names = parsed.list("--suite") { options.suites = names.compactMap(Suite.init(rawValue:)) }
        options.dataDirectory = parsed.value("--data-dir")
        options.jsonPath = parsed.value("--json")
        return options
    }
}

/// A bad command line of `dlcheck`: the shared parser's error in dlcheck's words.
struct DLCheckError: Error, CustomStringConvertible {
    /// What the parser found.
    var error: CommandLineError

    init(_ error: CommandLineError) { self.error = error }

    var description: String {
        switch error {
        case .unknownFlag(let flag, let suggestion):
            return "unknown flag '\(flag)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .invalidValue(let flag, let value, let allowed): return "\(flag): '\(value)' is not allowed; use one of: \(allowed)"
        default: return error.description
        }
    }
}
