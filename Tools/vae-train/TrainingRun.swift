import CUDABackend
import Data
import DeepTrustSystem
import Distributed
import MNISTData
import NN
import TensorCore
import Training
import VAEModels
import Synchronization
import VAETrainCLI

/// One `vae-train` run: device, data, model, trainer, and the epochs left to train.
struct TrainingRun {
    let arguments: VAETrainArguments

    func run() async throws {
        makeDeterministic(seed: arguments.seed)
        if let threads = arguments.threads { CPUBackend.threadCount = threads }
        let device = try prepareDevice()
        // Under mpirun every rank trains a replica; only rank 0 owns the run directory and output.
        let group = try ProcessGroup.world()
        guard group.isMain else { return try await runReplica(in: group, device: device) }
        let resumeFile = try arguments.resume.map { (path) throws(CheckpointError) in
            let file = try CheckpointFiles.resolve(path)
            try CheckpointFiles.requireRegularFile(file)
            return file
        }
        let logDirectory =
            arguments.logDirectory ?? resumeFile.map(Self.directory(of:)) ?? VAETrainArguments.defaultLogDirectory
        let directory = try RunDirectory(
            path: logDirectory,
            mode: resumeFile.map { .resume(checkpoint: $0) } ?? (arguments.overwrite ? .overwrite : .newRun))
        defer { directory.release() }
        if !directory.removedTemporaryFiles.isEmpty {
            say("removed \(directory.removedTemporaryFiles.count) temporary file(s) of an interrupted write in \(logDirectory)")
        }

        // Until training starts, a failure leaves nothing behind: the new event file, the lock
        // file and the directories this run created are removed.
        var writer: EventFileWriter?
        let trainer: VAETrainer
        do {
            let (train, test, source) = try await loadData()
            let configuration = arguments.configuration
            let model = try configuration.makeModel(generator: .default, device: device)
            let eventWriter = try EventFileWriter(logDirectory: logDirectory)
            writer = eventWriter
            let options = VAETrainerOptions(
                learningRate: arguments.learningRate, batchSize: arguments.batchSize,
                seed: arguments.seed, workers: arguments.workers,
                evaluationSampling: arguments.deterministicEvaluation ? .mean : .reparameterized,
                comparisonImages: 10, logsImageGrids: true, priorSamples: 64,
                outputDirectory: logDirectory, detectsAnomalies: arguments.detectAnomalies)
            trainer = try VAETrainer(
                model: model, trainingSet: train, testSet: test, options: options,
                generator: .default, writer: eventWriter, progress: .standardOutput())

            say("vae-train: \(configuration), \(grouped(model.parameterCount)) parameters on \(describe(device))")
            say("data: \(train.count) training and \(test.count) test examples from \(source)")
            if let resumeFile {
                let verification = try trainer.loadCheckpoint(from: resumeFile)
                say(
                    "resumed from \(resumeFile): \(trainer.completedEpochs) epochs "
                        + "(\(trainer.globalStep) steps) done, data seed \(trainer.options.seed), learning rate \(trainer.options.learningRate)"
                )
                if case .noChecksums = verification { say("note: \(resumeFile) was \(verification)") }
            }
            if arguments.overwrite && !directory.earlierRunFiles.isEmpty {
                try directory.removeEarlierRun(keeping: [eventWriter.path])
                say("--overwrite: deleted the earlier run's \(directory.earlierRunFiles.count) file(s) in \(logDirectory)")
            }
        } catch {
            try? writer?.close()
            directory.abandon(created: writer.map { [$0.path] } ?? [])
            throw error
        }
        try trainer.join(group)
        if group.isDistributed {
            say(
                "data-parallel: \(group.size) processes over \(group.communicator.engineName), global batch \(arguments.batchSize)"
            )
        }
        let remaining = arguments.epochs - trainer.completedEpochs
        guard remaining > 0 else {
            // Nothing was logged: the run directory stays as it was.
            try? writer?.close()
            directory.abandon(created: writer.map { [$0.path] } ?? [])
            say("nothing to train: \(trainer.completedEpochs) epochs are done and --epochs is \(arguments.epochs)")
            return
        }
        say(
            "training \(remaining) epoch\(remaining == 1 ? "" : "s") of \(trainer.stepsPerEpoch) steps (batch \(arguments.batchSize)); "
                + "logs, checkpoints and images go to \(logDirectory)")
        trainer.stopRequested = { StopSignal.received != 0 }
        do {
            try trainer.train(epochs: remaining)
        } catch TrainingError.interrupted(let epoch, let step) {
            try writer?.close()
            throw Interrupted(
                signal: StopSignal.received, epoch: epoch, step: step, logDirectory: logDirectory,
                resumeCommand: resumeCommand(logDirectory: logDirectory, completedEpochs: trainer.completedEpochs))
        }
        try writer?.close()
        say("TensorBoard: tensorboard --logdir \(logDirectory)")
    }

    /// The command that continues this run from its latest checkpoint.
    private func resumeCommand(logDirectory: String, completedEpochs: Int) -> String? {
        guard completedEpochs > 0 else { return nil }
        return "vae-train \(arguments.architecture.rawValue) --bottleneck \(arguments.bottleneck) --epochs \(arguments.epochs) "
            + "--batch-size \(arguments.batchSize)" + (arguments.limitTrain.map { " --limit-train \($0)" } ?? "")
            + (arguments.dataDirectory.map { " --data-dir \($0)" } ?? "") + " --resume \(logDirectory)"
    }

    /// The directory part of `path` (`.` for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Registers the CUDA backend for `cuda` devices and checks, once, that the device chosen with
    /// --device can be used (the model and every tensor are then created on it without failing).
    private func prepareDevice() throws -> Device {
        let device = arguments.device
        if device.kind == .cuda { CUDABackend.register() }
        do {
            try device.checkAvailable()
        } catch {
            throw RunError("--device \(device): \(error)")
        }
        return device
    }

    /// Both MNIST splits with the reference transforms (downloaded when missing, unless
    /// --no-download), cut to --limit-train/--limit-test, and where they came from.
    func loadData() async throws -> (train: any Dataset, test: any Dataset, source: String) {
        let directory = DataDirectory.resolve(for: .mnist, explicit: arguments.dataDirectory)
        let train: MNIST, test: MNIST
        if arguments.download {
            let log: @Sendable (String) -> Void = { say("data: \($0)") }
            train = try await MNIST.load(split: .train, directory: arguments.dataDirectory, fetcher: CommandFetcher(), log: log)
            test = try await MNIST.load(split: .test, directory: arguments.dataDirectory, fetcher: CommandFetcher(), log: log)
        } else {
            train = try MNIST(split: .train, directory: arguments.dataDirectory)
            test = try MNIST(split: .test, directory: arguments.dataDirectory)
        }
        return (try limited(train, to: arguments.limitTrain), try limited(test, to: arguments.limitTest), directory.description)
    }

    private func limited(_ dataset: MNIST, to limit: Int?) throws -> any Dataset {
        guard let limit, limit < dataset.count else { return dataset }
        return try Subset(dataset, first: limit)
    }

    private func describe(_ device: Device) -> String {
        guard device == .cpu else { return "\(device)" }
        return
            "cpu (\(CPUBackend.activeInstructionSet), \(CPUBackend.threadCount) thread\(CPUBackend.threadCount == 1 ? "" : "s"))"
    }

    /// The message for a failed run; a checkpoint of another model also says how to resume it.
    static func explain(_ error: any Error, arguments: VAETrainArguments) -> String {
        if case .configurationMismatch(_, let saved, _) = error as? CheckpointError {
            return "\(error)\n  to resume it: vae-train \(saved.architecture.rawValue) --bottleneck \(saved.bottleneck) "
                + "--resume \(arguments.resume ?? arguments.logDirectory ?? VAETrainArguments.defaultLogDirectory)"
        }
        if case .runMismatch = error as? CheckpointError {
            return "\(error) (--batch-size \(arguments.batchSize)"
                + (arguments.limitTrain.map { ", --limit-train \($0)" } ?? ", no --limit-train") + ")"
        }
        return "\(error)"
    }

    /// The exit status for a failed run: 2 when the command line must change (a log directory that
    /// holds another run), 130/143 after SIGINT/SIGTERM, else 1.
    static func exitStatus(for error: any Error) -> Int32 {
        if let interrupted = error as? Interrupted { return 128 + interrupted.signal }
        if let error = error as? RunDirectoryError, error.isUsageError { return 2 }
        return 1
    }
}

/// Training stopped by SIGINT or SIGTERM; the message says where to resume.
struct Interrupted: Error, CustomStringConvertible {
    let signal: Int32
    let epoch: Int
    let step: Int
    let logDirectory: String
    let resumeCommand: String?

    var description: String {
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        let resume =
            resumeCommand.map { "; to continue from its last checkpoint: \($0)" }
            ?? "; no epoch was completed, so there is no checkpoint to resume from (start again with --overwrite)"
        return "stopped by \(name) before step \(step) (epoch \(epoch), abandoned); the event file in \(logDirectory) is flushed"
            + resume
    }
}

/// The first SIGINT or SIGTERM, recorded by a signal handler; training stops before its next
/// step. A second signal of the same kind ends the process at once (the default action).
enum StopSignal {
    /// The signal number received, or 0.
    static var received: Int32 { stopSignal.load(ordering: .relaxed) }

    /// Installs the handlers for SIGINT and SIGTERM.
    static func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { number in
                stopSignal.store(number, ordering: .relaxed)
                signal(number, SIG_DFL)
            }
        }
    }
}

/// The signal that asked training to stop (0: none); lock-free, so the handler may store it.
let stopSignal = Atomic<Int32>(0)

/// A run failure with its message.
struct RunError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `1385248` → `1,385,248`.
func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    return String(
        digits.enumerated().flatMap { index, digit in
            index > 0 && (digits.count - index) % 3 == 0 ? [",", digit] : [digit]
        })
}

/// Writes a line to standard output unbuffered, so it stays in order with the progress lines
/// (which are written the same way).
func say(_ message: String) {
    writeLine(message, to: STDOUT_FILENO)
}

func printToStandardError(_ message: String) {
    writeLine(message, to: STDERR_FILENO)
}

private func writeLine(_ message: String, to descriptor: Int32) {
    let bytes = Array((message + "\n").utf8)
    var done = 0
    while done < bytes.count {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + done, $0.count - done) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        done += written
    }
}

func exitProcess(_ status: Int32) -> Never {
    exit(status)
}

/// Makes standard output line-buffered, so that nothing printed is lost when the process dies
/// with its output in a pipe. (`stdout` is found through `dlsym`: Swift 6 refuses a reference
/// to the C global, which is shared mutable state.)
func lineBufferStandardOutput() {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout") else { return }
    setvbuf(symbol.load(as: UnsafeMutablePointer<FILE>?.self), nil, _IOLBF, 0)
}
