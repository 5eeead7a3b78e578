import CUDABackend
import Data
import MNISTData
import NN
import TensorCore
import Training
import VAEModels
import VAETrainCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One `vae-train` run: device, data, model, trainer, and the epochs left to train.
struct TrainingRun {
    let arguments: VAETrainArguments

    func run() async throws {
        makeDeterministic(seed: arguments.seed)
        if let threads = arguments.threads { CPUBackend.threadCount = threads }
        let device = try prepareDevice()
        let (train, test, source) = try await loadData()

        let configuration = arguments.configuration
        let model = try configuration.makeModel(generator: .default, device: device)
        let writer = try EventFileWriter(logDirectory: arguments.logDirectory)
        defer { try? writer.close() }
        let options = VAETrainerOptions(
            learningRate: arguments.learningRate, batchSize: arguments.batchSize,
            seed: arguments.seed, workers: arguments.workers,
            evaluationSampling: arguments.deterministicEvaluation ? .mean : .reparameterized,
            comparisonImages: 10, logsImageGrids: true, priorSamples: 64,
            outputDirectory: arguments.logDirectory, detectsAnomalies: arguments.detectAnomalies)
        let trainer = try VAETrainer(
            model: model, trainingSet: train, testSet: test, options: options,
            generator: .default, writer: writer, progress: .standardOutput())

        say("vae-train: \(configuration), \(grouped(model.parameterCount)) parameters on \(describe(device))")
        say("data: \(train.count) training and \(test.count) test examples from \(source)")
        if let resume = arguments.resume {
            try trainer.loadCheckpoint(from: resume)
            say(
                "resumed from \(try CheckpointFiles.resolve(resume)): \(trainer.completedEpochs) epochs "
                    + "(\(trainer.globalStep) steps) done, data seed \(trainer.options.seed), learning rate \(trainer.options.learningRate)"
            )
        }
        let remaining = arguments.epochs - trainer.completedEpochs
        guard remaining > 0 else {
            say("nothing to train: \(trainer.completedEpochs) epochs are done and --epochs is \(arguments.epochs)")
            return
        }
        say(
            "training \(remaining) epoch\(remaining == 1 ? "" : "s") of \(trainer.stepsPerEpoch) steps (batch \(arguments.batchSize)); "
                + "logs, checkpoints and images go to \(arguments.logDirectory)")
        try trainer.train(epochs: remaining)
        try writer.close()
        say("TensorBoard: tensorboard --logdir \(arguments.logDirectory)")
    }

    /// Registers the CUDA backend for `cuda` devices and checks the device can be used.
    private func prepareDevice() throws -> Device {
        let device = arguments.device
        if device.kind == .cuda { CUDABackend.register() }
        do {
            _ = try BackendRegistry.shared.backend(for: device)
        } catch {
            throw RunError("--device \(device): \(error)")
        }
        return device
    }

    /// Both MNIST splits with the reference transforms (downloaded when missing, unless
    /// --no-download), cut to --limit-train/--limit-test, and where they came from.
    private func loadData() async throws -> (train: any Dataset, test: any Dataset, source: String) {
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
                + "--resume \(arguments.resume ?? arguments.logDirectory)"
        }
        return "\(error)"
    }
}

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
