import DeepTrustSystem
import Foundation  // Process and pipes, to run vae-train as a user does.
import MNISTData
import TensorCore
import TestKit
import Testing
import Training

/// Every kind of bad input a `vae-train` user can give — flags, data directories, checkpoints,
/// devices, output directories — ends the run with a one-line explanation naming the flag, file or
/// device, and exit status 2 (command line) or 1 (the run), never a crash or a stack trace.
/// The Training package's DocC article "Errors and what they mean" lists these cases next to the unit tests of each error.
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

    private func vaeTrain(
        _ arguments: [String], environment: [String: String] = [:], workingDirectory: String? = nil
    ) throws -> Outcome {
        let binary = try VAETrainBinary()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary.path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, standardError: text)
    }

    private func expectFailure(
        _ arguments: [String], status: Int32, mentioning parts: [String], workingDirectory: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let outcome = try vaeTrain(arguments, workingDirectory: workingDirectory)
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
        try SyntheticMNISTFiles.write(train: 16, test: 8, into: data)
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
        try SyntheticMNISTFiles.write(train: 16, test: 8, into: data)
        let labels = data.file("t10k-labels-idx1-ubyte")
        try Data(IDXArray(elementType: .uint8, dimensions: [7], bytes: [UInt8](repeating: 1, count: 7)).serialized())
            .write(to: URL(fileURLWithPath: labels))
        try expectFailure(flags, status: 1, mentioning: [labels, "8"])

        // Not an IDX file at all.
        try SyntheticMNISTFiles.write(train: 16, test: 8, into: data)
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
        // The failed run's event file stays: the second run goes to a log directory of its own.
        let second = try TemporaryDirectory(prefix: "errors-log")
        try expectFailure(
            try smallRun(data, logDirectory: second.path) + ["--lr", "1e30", "--detect-anomaly"], status: 1,
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

    // MARK: - Log directories

    private func files(_ directory: String) throws -> [String: Data] {
        var contents: [String: Data] = [:]
        // The lock file names the process holding the directory; it belongs to no run.
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name != RunDirectory.lockFileName {
            contents[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return contents
    }

    /// A second run into a log directory with an earlier run is refused (exit 2) and changes
    /// nothing of it; --overwrite replaces it; --resume continues it.
    @Test func aLogDirectoryWithAnEarlierRunIsNotOverwritten() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let run = try TemporaryDirectory(prefix: "errors-run")
        let flags = try smallRun(data, logDirectory: run.path)
        let first = try vaeTrain(flags)
        try #require(first.status == 0, "\(first.standardError)")
        let before = try files(run.path)

        try expectFailure(flags, status: 2, mentioning: [run.path, "holds an earlier run", "--resume", "--overwrite"])
        #expect(try files(run.path) == before, "the refused run changed the earlier run's files")

        let resumed = try vaeTrain(
            flags.filter { $0 != "--log-dir" && $0 != run.path } + ["--epochs", "2", "--resume", run.path])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(FileManager.default.fileExists(atPath: run.file("checkpoint_001.safetensors")))
        #expect(try files(run.path)["checkpoint_000.safetensors"] == before["checkpoint_000.safetensors"])
        // Resuming a finished run trains nothing and adds nothing (no empty event file).
        let finished = try files(run.path)
        let again = try vaeTrain(flags.filter { $0 != "--log-dir" && $0 != run.path } + ["--epochs", "2", "--resume", run.path])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(try files(run.path) == finished, "resuming a finished run changed its directory")

        // Resuming from an earlier checkpoint would overwrite the later ones.
        try expectFailure(
            flags + ["--epochs", "3", "--resume", run.file("checkpoint_000.safetensors")], status: 2,
            mentioning: ["would overwrite", "checkpoint_001.safetensors"])

        let replaced = try vaeTrain(flags + ["--overwrite"])
        #expect(replaced.status == 0, "\(replaced.standardError)")
        let after = try files(run.path)
        #expect(after["checkpoint_001.safetensors"] == nil, "the earlier run's later checkpoint is left beside the new run's")
        #expect(after.keys.filter { $0.hasPrefix("events.out.tfevents.") }.count == 1, "\(after.keys.sorted())")
    }

    /// A second vae-train on a directory in use is told which process holds it.
    @Test func aLogDirectoryInUseIsRefusedNamingTheProcess() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let run = try TemporaryDirectory(prefix: "errors-run")
        let lock = open(run.file(RunDirectory.lockFileName), O_RDWR | O_CREAT, 0o644)
        try #require(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        defer { close(lock) }
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { write(lock, $0.baseAddress, $0.count) }
        try expectFailure(
            try smallRun(data, logDirectory: run.path), status: 1,
            mentioning: [run.path, "in use by another run (process \(getpid()))"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.path) == [RunDirectory.lockFileName])
    }

    /// A start refused after the log directory was prepared leaves no file behind, and temporary
    /// files of a killed write are removed at the next start.
    @Test func aRefusedStartLeavesNoFilesAndLeftoversAreRemoved() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let parent = try TemporaryDirectory(prefix: "errors-log")
        let fresh = parent.file("new/run")
        try expectFailure(
            ["mlp", "--data-dir", data.path, "--no-download", "--log-dir", fresh], status: 1, mentioning: ["MNIST files missing"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == [], "a refused start left files")

        let run = try TemporaryDirectory(prefix: "errors-run")
        let flags = try smallRun(data, logDirectory: run.path)
        let foreign = run.file("weights.safetensors")
        try SafeTensors.write(["w": Tensor([1, 2, 3])], to: foreign)
        try expectFailure(flags + ["--resume", foreign], status: 1, mentioning: ["not a DeepTrust VAE trainer checkpoint"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.path) == ["weights.safetensors"])

        let leftovers = [".checkpoint_000.safetensors.tmp-1-2", "samples_000.png.tmp-Ab12Cd", ".samples_000.png.tmp-3-4"]
        for name in leftovers { try Data("x".utf8).write(to: URL(fileURLWithPath: run.file(name))) }
        let outcome = try vaeTrain(flags)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: run.path)
        #expect(names.filter { $0.contains(".tmp-") }.isEmpty, "\(names)")
    }

    // MARK: - Checkpoints and flags

    /// One flipped bit in a checkpoint is refused on --resume; a FIFO in its place does not hang.
    @Test func corruptedAndSpecialCheckpointsAreRefused() throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let run = try TemporaryDirectory(prefix: "errors-run")
        let flags = try smallRun(data, logDirectory: run.path)
        try #require(try vaeTrain(flags).status == 0)
        let checkpoint = run.file("checkpoint_000.safetensors")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: checkpoint)))
        bytes[bytes.count - 5] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: checkpoint))
        try expectFailure(
            flags + ["--epochs", "2", "--resume", run.path], status: 1,
            mentioning: [checkpoint, "tensor data does not match the stored CRC-32C"])

        let fifoRun = try TemporaryDirectory(prefix: "errors-fifo")
        try #require(mkfifo(fifoRun.file("checkpoint_000.safetensors"), 0o644) == 0)
        try expectFailure(
            flags + ["--epochs", "2", "--resume", fifoRun.path], status: 1,
            mentioning: [fifoRun.file("checkpoint_000.safetensors"), "is a FIFO (named pipe), not a regular file"])
    }

    /// A flag that takes a value never takes the next option as it: nothing named after an option
    /// is created.
    @Test func aFlagMissingItsValueDoesNotSwallowTheNextOption() throws {
        let cwd = try TemporaryDirectory(prefix: "errors-cwd")
        try expectFailure(
            ["mlp", "--log-dir", "--deterministic-eval"], status: 2,
            mentioning: ["--log-dir needs a value", "--log-dir=--deterministic-eval"], workingDirectory: cwd.path)
        try expectFailure(
            ["mlp", "--data-dir", "--no-download"], status: 2, mentioning: ["--data-dir needs a value"],
            workingDirectory: cwd.path)
        try expectFailure(["mlp", "--epochs", "--seed", "3"], status: 2, mentioning: ["--epochs needs a value"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: cwd.path) == [])
    }

    /// Sizes and counts no machine can serve are refused while the flags are checked (exit 2),
    /// never an abort; --seed and --lr conflict with --resume.
    @Test func impossibleSizesAndConflictingFlagsExitWithStatus2() throws {
        try expectFailure(["mlp", "--bottleneck", "100000000"], status: 2, mentioning: ["--bottleneck", "GiB of memory"])
        try expectFailure(["mlp", "--workers", "1000"], status: 2, mentioning: ["--workers", "0...64"])
        try expectFailure(["mlp", "--threads", "1000"], status: 2, mentioning: ["--threads", "1...256"])
        try expectFailure(
            ["mlp", "--resume", "runs", "--seed", "3"], status: 2, mentioning: ["--seed cannot be given with --resume"])
        try expectFailure(
            ["mlp", "--resume", "runs", "--lr", "0.1"], status: 2, mentioning: ["--lr cannot be given with --resume"])
    }

    /// SIGINT and SIGTERM stop training after the current step, flush the event file and say how
    /// to resume (exit 130, 143).
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aStopSignalEndsTheRunGracefully(signal: Int32, status: Int32) throws {
        let data = try TemporaryDirectory(prefix: "errors-data")
        let run = try TemporaryDirectory(prefix: "errors-run")
        // The CNN's checkpoints are small, and the epochs bounded: a run that ignored the signal
        // could not fill the disk.
        var flags = try smallRun(data, logDirectory: run.path, architecture: "cnn")
        flags[flags.firstIndex(of: "--epochs")! + 1] = "1000"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try VAETrainBinary().path)
        process.arguments = flags
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait for the first checkpoint (the run never ends by itself).
        while process.isRunning && !FileManager.default.fileExists(atPath: run.file("checkpoint_000.safetensors")) {
            usleep(1000)
        }
        kill(process.processIdentifier, signal)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == status, "\(text)")
        #expect(text.hasPrefix("vae-train: stopped by SIG") && text.contains("--resume \(run.path)"), "\(text)")
        let events = try EventFileReader.eventFiles(in: run.path)
        #expect(events.count == 1)
        for file in events { #expect(throws: Never.self) { _ = try EventFileReader.events(inFile: file) } }
    }

    // MARK: - dlcheck

    /// dlcheck refuses an unwritable --json path before it runs any check, and otherwise appends
    /// each check's report to the file as one JSON line when the check ends, then the report.
    @Test func dlcheckChecksItsJSONPathFirstAndWritesALinePerCheck() throws {
        let binary = URL(fileURLWithPath: try VAETrainBinary().path).deletingLastPathComponent().appendingPathComponent("dlcheck")
        func dlcheck(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            let (output, errors) = (Pipe(), Pipe())
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text, errorText)
        }
        let directory = try TemporaryDirectory(prefix: "errors-dlcheck")
        let refused = try dlcheck(["--suite", "trainer", "--json", directory.file("missing/report.json")])
        #expect(refused.status == 2 && refused.errors.hasPrefix("dlcheck: cannot write --json file"), "\(refused)")
        #expect(!refused.output.contains("[passed]") && !refused.output.contains("[failed]"), "checks ran: \(refused.output)")

        let path = directory.file("report.json")
        let run = try dlcheck(["--suite", "losses", "--json", path])
        #expect(run.status == 0, "\(run.errors)")
        let progress = run.output.split(separator: "\n").filter { $0.hasPrefix("[passed] ") || $0.hasPrefix("[failed] ") }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        try #require(!progress.isEmpty && lines.count == progress.count + 1, "\(lines)")
        for line in lines.dropLast() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["check"] is String && object?["result"] is String, "\(line)")
        }
        let report = try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any]
        #expect((report?["reports"] as? [Any])?.count == progress.count)
    }
}
