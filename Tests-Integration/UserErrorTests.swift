import Foundation  // Process and pipes, to run vae-train as a user does.
import MNISTData
import TensorCore
import TestKit
import Testing
import Training

/// Every kind of bad input a `vae-train` user can give — flags, data directories, checkpoints,
/// devices, output directories — ends the run with a one-line explanation naming the flag, file or
/// device, and exit status 2 (command line) or 1 (the run), never a crash or a stack trace.
/// CONTRIBUTING.md ("Errors users can meet") lists these cases next to the unit tests of each error.
@Suite struct UserErrorTests {
    /// The outcome of one vae-train run.
    struct Outcome {
        var status: Int32
        var standardError: String
        /// No crash report, and the explanation is a `vae-train:` line.
        var isClean: Bool {
            standardError.hasPrefix("vae-train: ") && !standardError.contains("Crash") && !standardError.contains("Fatal error")
        }
    }

    private func vaeTrain(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let binary = try VAETrainBinary()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary.path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, standardError: text)
    }

    private func expectFailure(
        _ arguments: [String], status: Int32, mentioning parts: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let outcome = try vaeTrain(arguments)
        #expect(
            outcome.status == status,
            "vae-train \(arguments.joined(separator: " ")): exit \(outcome.status)\n\(outcome.standardError)",
            sourceLocation: sourceLocation)
        #expect(outcome.isClean, "not a clean explanation: \(outcome.standardError)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(
                outcome.standardError.contains(part), "'\(part)' missing from: \(outcome.standardError)",
                sourceLocation: sourceLocation)
        }
    }

    /// Generated MNIST files (16 training, 8 test images) and the flags of a one-epoch run on them.
    private func smallRun(_ data: TemporaryDirectory, logDirectory: String, architecture: String = "mlp") throws -> [String] {
        try SyntheticDigits.write(train: 16, test: 8, into: data)
        return [
            architecture, "--bottleneck", "2", "--batch-size", "8", "--epochs", "1", "--data-dir", data.path, "--no-download",
            "--workers", "0", "--threads", "1", "--log-dir", logDirectory,
        ]
    }

    @Test func commandLineMistakesExitWithStatus2() throws {
        try expectFailure([], status: 2, mentioning: ["the model type is required"])
        try expectFailure(
            ["mlp", "--epoch", "3"], status: 2, mentioning: ["unknown option '--epoch'", "did you mean '--epochs'?"])
        try expectFailure(["mlp", "--epochs"], status: 2, mentioning: ["--epochs needs a value"])
        try expectFailure(["mlp", "--batch-size", "0"], status: 2, mentioning: ["invalid value '0' for --batch-size"])
        try expectFailure(["mlp", "--lr", "nan"], status: 2, mentioning: ["invalid value 'nan' for --lr"])
        try expectFailure(["mlp", "--device", "tpu"], status: 2, mentioning: ["invalid value 'tpu' for --device", "cuda:N"])
        try expectFailure(["mlp", "--no-download=yes"], status: 2, mentioning: ["--no-download takes no value"])
        try expectFailure(["mlp", "cnn"], status: 2, mentioning: ["unexpected argument 'cnn'"])
        try expectFailure(["gan"], status: 2, mentioning: ["invalid value 'gan' for the model type", "mlp or cnn"])
        try expectFailure(["mlp", "--log-dir="], status: 2, mentioning: ["--log-dir"])
    }

    @Test func missingAndBrokenDataFilesNameTheFile() throws {
        let empty = try TemporaryDirectory(prefix: "errors-empty")
        let log = try TemporaryDirectory(prefix: "errors-log")
        try expectFailure(
            ["mlp", "--data-dir", empty.path, "--no-download", "--log-dir", log.path], status: 1,
            mentioning: ["files missing", empty.path, "train-images-idx3-ubyte", "MNIST_DIR"])

        // A training image file cut short.
        let data = try TemporaryDirectory(prefix: "errors-data")
        let flags = try smallRun(data, logDirectory: log.path)
        let images = data.file("train-images-idx3-ubyte")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: images)))
        try Data(bytes.prefix(bytes.count - 100)).write(to: URL(fileURLWithPath: images))
        try expectFailure(flags, status: 1, mentioning: [images, "expected \(bytes.count) bytes"])

        // Labels that do not match the images.
        try SyntheticDigits.write(train: 16, test: 8, into: data)
        let labels = data.file("t10k-labels-idx1-ubyte")
        try Data(IDXArray(elementType: .uint8, dimensions: [7], bytes: [UInt8](repeating: 1, count: 7)).serialized())
            .write(to: URL(fileURLWithPath: labels))
        try expectFailure(flags, status: 1, mentioning: [labels, "8"])

        // Not an IDX file at all.
        try SyntheticDigits.write(train: 16, test: 8, into: data)
        try Data("<html>not found</html>".utf8).write(to: URL(fileURLWithPath: images))
        try expectFailure(flags, status: 1, mentioning: [images, "not an IDX file"])
    }

    @Test func unusableDevicesAreNamed() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let log = try TemporaryDirectory(prefix: "errors-log")
        // cuda:7: absent here, and on nearly every GPU host too.
        try expectFailure(
            try smallRun(data, logDirectory: log.path) + ["--device", "cuda:7"], status: 1, mentioning: ["--device cuda:7"])
    }

    @Test func anUnwritableLogDirectoryIsNamed() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let parent = try TemporaryDirectory(prefix: "errors-log")
        let blocker = parent.file("a-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        try expectFailure(try smallRun(data, logDirectory: blocker + "/run"), status: 1, mentioning: [blocker])
    }

    @Test func badCheckpointsAreRefusedWithTheReason() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let run = try TemporaryDirectory(prefix: "errors-run")
        let flags = try smallRun(data, logDirectory: run.path)

        try expectFailure(
            flags + ["--resume", run.file("nothing-here.safetensors")], status: 1, mentioning: ["nothing-here.safetensors"])
        try expectFailure(flags + ["--resume", run.path], status: 1, mentioning: [run.path, "holds no checkpoint"])

        // A real checkpoint: of another model, then cut short, then with its tensors replaced.
        let other = try TemporaryDirectory(prefix: "errors-other")
        let written = try vaeTrain(try smallRun(data, logDirectory: other.path, architecture: "cnn"))
        try #require(written.status == 0, "the run writing a checkpoint failed: \(written.standardError)")
        let checkpoint = try #require(CheckpointFiles.latest(in: other.path))
        try expectFailure(
            flags + ["--resume", checkpoint], status: 1,
            mentioning: [checkpoint, "checkpoint of another model", "to resume it: vae-train cnn --bottleneck 2"])

        let cut = run.file("cut.safetensors")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: checkpoint)))
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: cut))
        try expectFailure(flags + ["--resume", cut], status: 1, mentioning: [cut])

        let foreign = run.file("weights.safetensors")
        try SafeTensors.write(["w": Tensor([1, 2, 3])], to: foreign)
        try expectFailure(
            flags + ["--resume", foreign], status: 1, mentioning: [foreign, "not a DeepTrust VAE trainer checkpoint"])
    }

    @Test func aDivergingRunStopsAtTheFirstNonFiniteLoss() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let log = try TemporaryDirectory(prefix: "errors-log")
        let flags = try smallRun(data, logDirectory: log.path) + ["--lr", "1e30"]
        try expectFailure(flags, status: 1, mentioning: ["training step 1", "the loss is not finite", "--detect-anomaly"])
        try expectFailure(
            flags + ["--detect-anomaly"], status: 1,
            mentioning: ["training step 1 stopped", "numerical anomaly", "in module encoder"])
    }

    @Test func anInvalidThreadCountVariableIsReportedAndIgnored() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let log = try TemporaryDirectory(prefix: "errors-log")
        var flags = try smallRun(data, logDirectory: log.path)
        let threads = try #require(flags.firstIndex(of: "--threads"))
        flags.removeSubrange(threads...(threads + 1))
        let outcome = try vaeTrain(flags, environment: ["DEEPTRUST_NUM_THREADS": "many"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(
            outcome.standardError.contains("ignoring DEEPTRUST_NUM_THREADS=many (expected a positive integer)"),
            "\(outcome.standardError)")
    }
}
