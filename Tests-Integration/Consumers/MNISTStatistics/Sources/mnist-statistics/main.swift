// mnist-statistics [DIR] [--split train|test]: prints the size, label histogram and pixel
// statistics of an MNIST split read from DIR (default: $MNIST_DIR). Exit status 0 on success,
// 1 when the files cannot be read, 2 for a bad command line.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MNISTStatistics

/// Writes `message` and a newline to standard error (file descriptor 2).
func printError(_ message: String) {
    var text = message + "\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

let command: StatisticsCommand
do {
    command = try StatisticsCommand(arguments: Array(CommandLine.arguments.dropFirst()))
} catch .helpRequested {
    print(StatisticsCommand.usage)
    exit(0)
} catch {
    printError("mnist-statistics: \(error)\n\(StatisticsCommand.usage)")
    exit(2)
}

do {
    let statistics = try command.run()
    print("split: \(command.split.rawValue)")
    print(statistics.report)
} catch {
    printError("mnist-statistics: \(error)")
    exit(1)
}
