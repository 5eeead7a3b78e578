import DeepTrustSystem
import Testing

/// The shared command-line parser: both value forms, the positional argument, help, and every error.
@Suite struct CommandLineParserTests {
    let spec = CommandLineSpec(
        flags: [
            CommandLineFlag("--epochs", short: "-e", value: .integer(1...Int.max), placeholder: "N", help: "epochs"),
            CommandLineFlag("--workers", value: .integer(0...64), placeholder: "N", help: "threads"),
            CommandLineFlag("--seed", value: .unsigned, placeholder: "N", help: "seed", repetition: .lastWins),
            CommandLineFlag("--rate", value: .positiveNumber, placeholder: "X", help: "rate"),
            CommandLineFlag("--suite", value: .list(.choice(["models", "losses"])), placeholder: "LIST", help: "suites"),
            CommandLineFlag("--log-dir", value: .text(nonEmpty: true), placeholder: "DIR", expected: "a directory", help: "logs"),
            CommandLineFlag(
                "--device", value: .custom { $0 == "cpu" || $0.hasPrefix("cuda") }, placeholder: "DEV",
                expected: "cpu or cuda", help: "where\nand how"),
            CommandLineFlag("--overwrite", help: "delete first"),
            CommandLineFlag("--secret", value: .text(nonEmpty: false), placeholder: "S", help: "hidden", hidden: true),
        ],
        positional: CommandLinePositional(
            name: "the model type", placeholder: "mlp|cnn", value: .choice(["mlp", "cnn"], caseInsensitive: true),
            help: "the model"))

    private func parsed(_ arguments: [String]) throws -> ParsedCommandLine {
        guard case .arguments(let parsed) = try spec.parse(arguments) else {
            Issue.record("\(arguments) asked for help")
            return ParsedCommandLine(occurrences: [])
        }
        return parsed
    }

    private func error(_ arguments: [String]) -> CommandLineError? {
        do {
            _ = try spec.parse(arguments)
            Issue.record("\(arguments) was accepted")
            return nil
        } catch {
            return error
        }
    }

    @Test func bothValueFormsShortSpellingsAndThePositionalArgument() throws {
        let line = try parsed(["MLP", "-e", "3", "--workers=0", "--rate", "1e-3", "--suite", "losses,models", "--overwrite"])
        #expect(line.positional == "MLP")
        #expect(line.integer("--epochs") == 3 && line.integer("--workers") == 0)
        #expect(line.value("--rate") == "1e-3")
        #expect(line.list("--suite") == ["losses", "models"])
        #expect(line.contains("--overwrite") && !line.contains("--log-dir"))
        #expect(line.occurrences.map(\.flag) == ["--epochs", "--workers", "--rate", "--suite", "--overwrite"])
        // `=` takes a value that starts with '-'.
        #expect(try parsed(["--log-dir=--odd"]).value("--log-dir") == "--odd")
    }

    @Test func helpAnywhereWinsOverEverythingElse() throws {
        #expect(try spec.parse(["--help"]) == .help)
        #expect(try spec.parse(["--bogus", "-h"]) == .help)
        #expect(try spec.parse(["--epochs", "0", "--help"]) == .help)
    }

    @Test func unknownFlagsAreNamedWithTheClosestRealOne() {
        #expect(error(["--epoch", "3"]) == .unknownFlag("--epoch", suggestion: "--epochs"))
        #expect(error(["-overwrite"]) == .unknownFlag("-overwrite", suggestion: "--overwrite"))
        #expect(error(["--frobnicate"]) == .unknownFlag("--frobnicate", suggestion: nil))
        #expect(error(["--hepl"]) == .unknownFlag("--hepl", suggestion: "--help"))
        #expect(
            CommandLineError.unknownFlag("--epoch", suggestion: "--epochs").description
                == "unknown option '--epoch' (did you mean '--epochs'?)")
    }

    @Test func aMissingValueAndAnOptionInItsPlaceAreRefused() {
        #expect(error(["--epochs"]) == .missingValue(flag: "--epochs", expected: "a whole number ≥ 1"))
        #expect(error(["--epochs"])?.description == "--epochs needs a value: a whole number ≥ 1")
        #expect(
            error(["--log-dir", "--overwrite"])
                == .optionInsteadOfValue(flag: "--log-dir", expected: "a directory", found: "--overwrite"))
        #expect(error(["--log-dir", "-e"]) == .optionInsteadOfValue(flag: "--log-dir", expected: "a directory", found: "-e"))
        #expect(
            error(["--log-dir", "--overwrite"])?.description.hasSuffix(
                "(a value that starts with '-' is given as --log-dir=--overwrite)") == true)
    }

    @Test func malformedAndOutOfRangeValuesNameTheFlagAndTheText() {
        #expect(error(["--epochs", "ten"]) == .invalidValue(flag: "--epochs", value: "ten", expected: "a whole number ≥ 1"))
        #expect(error(["--epochs", "0"]) == .invalidValue(flag: "--epochs", value: "0", expected: "a whole number ≥ 1"))
        #expect(error(["--workers=65"]) == .invalidValue(flag: "--workers", value: "65", expected: "a whole number in 0...64"))
        #expect(error(["--epochs", "99999999999999999999"])?.description.contains("for --epochs") == true)
        // A negative number is a value, not an option.
        #expect(
            error(["--seed", "-1"])
                == .invalidValue(flag: "--seed", value: "-1", expected: "a whole number in 0...18446744073709551615"))
        for bad in ["nan", "inf", "0", "-1e-3", "x"] {
            #expect(error(["--rate", bad]) == .invalidValue(flag: "--rate", value: bad, expected: "a finite number > 0"))
        }
        #expect(
            error(["--suite", "models,bogus"])
                == .invalidValue(flag: "--suite", value: "bogus", expected: "a comma-separated list of models or losses"))
        #expect(error(["--suite="])?.description.contains("for --suite") == true)
        #expect(error(["--log-dir="]) == .invalidValue(flag: "--log-dir", value: "", expected: "a directory"))
        #expect(error(["--device", "tpu"]) == .invalidValue(flag: "--device", value: "tpu", expected: "cpu or cuda"))
        #expect(error(["gan"]) == .invalidValue(flag: "the model type", value: "gan", expected: "mlp or cnn"))
        #expect(error(["--epochs", "ten"])?.description == "invalid value 'ten' for --epochs: expected a whole number ≥ 1")
    }

    @Test func aSwitchTakesNoValue() {
        #expect(error(["--overwrite=yes"]) == .unexpectedValue(flag: "--overwrite", value: "yes"))
        #expect(error(["--overwrite=yes"])?.description == "--overwrite takes no value, got 'yes'")
    }

    @Test func aFlagGivenTwiceIsRefusedUnlessTheLastWins() throws {
        #expect(error(["--epochs", "1", "-e", "2"]) == .repeatedFlag("--epochs"))
        #expect(error(["--overwrite", "--overwrite"]) == .repeatedFlag("--overwrite"))
        #expect(error(["--overwrite", "--overwrite"])?.description == "--overwrite is given more than once")
        #expect(try parsed(["--seed", "1", "--seed=2"]).value("--seed") == "2")
    }

    @Test func extraArgumentsAreRefused() throws {
        #expect(error(["mlp", "cnn"]) == .unexpectedArgument("cnn"))
        let noPositional = CommandLineSpec(flags: [])
        #expect(throws: CommandLineError.unexpectedArgument("x")) { try noPositional.parse(["x"]) }
        let many = CommandLineSpec(
            flags: [],
            positional: CommandLinePositional(
                name: "a path", placeholder: "PATH", value: .text(nonEmpty: true), help: "", many: true))
        #expect(try many.parse(["a", "b"]) == .arguments(ParsedCommandLine(occurrences: [], positionals: ["a", "b"])))
    }

    @Test func theHelpListsEveryVisibleFlagInAColumn() {
        let help = spec.flagHelp()
        let lines = help.split(separator: "\n").map(String.init)
        #expect(lines.first == "  mlp|cnn               the model")
        #expect(lines.contains("  -e, --epochs N        epochs"))
        #expect(lines.contains("  --overwrite           delete first"))
        #expect(lines.contains("  --device DEV          where"))
        #expect(lines.contains("                        and how"))
        #expect(lines.last == "  -h, --help            show this help")
        #expect(!help.contains("--secret"))
        let narrow = CommandLineSpec(flags: [
            CommandLineFlag("--a-rather-long-flag-name", value: .text(nonEmpty: false), placeholder: "VALUE", help: "h")
        ])
        #expect(narrow.flagHelp(column: 10).hasPrefix("  --a-rather-long-flag-name VALUE\n            h"))
    }
}
