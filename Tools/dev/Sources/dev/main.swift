// `dev`: the repository's developer utilities, one subcommand each (run through Tools/dev/run;
// Tools/test-all runs `dev test-all`). Every subcommand parses its flags with DeepTrustSystem's
// command-line parser and answers --help.

import DeepTrustSystem
import Foundation

/// A `dev` subcommand: its name, one line for `dev --help`, and its body, which gets the
/// arguments after its name and returns the exit status.
struct Subcommand {
    let name: String
    let summary: String
    let run: ([String]) -> Int32
}

let subcommands = [
    Subcommand(name: "test-all", summary: "build and test every package, the umbrella and the consumers", run: testAll),
    Subcommand(name: "check-imports", summary: "every import of a target is a declared dependency", run: checkImportsCommand),
    Subcommand(name: "doc-coverage", summary: "public declarations without a doc comment", run: docCoverage),
    Subcommand(name: "format-check", summary: "lint the Swift sources with swift-format", run: formatCheck),
    Subcommand(name: "sanitize", summary: "ThreadSanitizer and AddressSanitizer test runs", run: sanitize),
    Subcommand(name: "gen-ptx", summary: "compile the CUDA kernels into KernelsPTX.swift", run: genPTX),
    Subcommand(name: "check-ptx", summary: "the committed PTX is current, exact and assembles", run: checkPTX),
]

let usage =
    "usage: Tools/dev/run <subcommand> [options]   (Tools/dev/run <subcommand> --help for its options)\n\nsubcommands:\n"
    + subcommands.map { "  " + $0.name.padding(toLength: 15, withPad: " ", startingAt: 0) + $0.summary }.joined(separator: "\n")

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, name != "-h", name != "--help" else {
    print(usage)
    exit(arguments.isEmpty ? 2 : 0)
}
guard let subcommand = subcommands.first(where: { $0.name == name }) else {
    let closest = subcommands.map { ($0.name, editDistance(name, $0.name)) }.min { $0.1 < $1.1 }
    let hint = closest.flatMap { $0.1 <= 3 ? " (did you mean '\($0.0)'?)" : nil } ?? ""
    printError("dev: unknown subcommand '\(name)'\(hint)\n\(usage)")
    exit(2)
}
exit(subcommand.run(Array(arguments.dropFirst())))
