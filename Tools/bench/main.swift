// `bench`: performance figures of DeepTrust next to PyTorch's, measured in the same run.
//
//   swift run -c release bench <subcommand> [options]
//
// Each subcommand lives in its own file and is listed in `subcommands` below.
import Foundation

let subcommands: [any BenchSubcommand.Type] = [
    GemmBench.self,
    ConvBench.self,
    StepBench.self,
    EpochBench.self,
    DataBench.self,
    DDPBench.self,
]

@MainActor func usage() -> String {
    let list = subcommands.map { "  \($0.name.padding(toLength: 8, withPad: " ", startingAt: 0)) \($0.summary)" }
    return (["usage: bench <subcommand> [options]", "subcommands:"] + list + [BenchOptions.usage]).joined(separator: "\n")
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, name != "--help", name != "-h" else {
    print(usage())
    exit(arguments.isEmpty ? 2 : 0)
}
guard let subcommand = subcommands.first(where: { $0.name == name }) else {
    FileHandle.standardError.write(Data("bench: unknown subcommand '\(name)'\n\(usage())\n".utf8))
    exit(2)
}
do {
    guard let options = try BenchOptions(arguments: Array(arguments.dropFirst()), extraFlags: subcommand.extraFlags) else {
        print(usage())
        exit(0)
    }
    try subcommand.run(options)
} catch {
    FileHandle.standardError.write(Data("bench \(name): \(error)\n\(usage())\n".utf8))
    exit(2)
}
