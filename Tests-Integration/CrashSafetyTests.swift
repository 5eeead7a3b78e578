import Foundation  // Process, to run vae-train as a child process.
import TensorCore
import TestKit
import Testing
import Training
import VAEModels

/// `vae-train` killed with SIGKILL at random moments — during training steps, evaluation, and
/// while a checkpoint is being written — never leaves an unreadable checkpoint, and a run resumed
/// from the last checkpoint logs exactly the losses of an uninterrupted run from there on and ends
/// with the same weights. Runs the release `vae-train` next to the test bundle on generated MNIST
/// files (CNN, 96 training images, 4 epochs); under a minute.
///
/// The kill moments are random: the seed is printed with every failure and can be replayed with
/// `DEEPTRUST_CRASH_SEED=<seed>`.
@Suite(.serialized) struct CrashSafetyTests {
    static let epochs = 4
    static let trainingExamples = 96
    static let batchSize = 16
    static var stepsPerEpoch: Int { (trainingExamples + batchSize - 1) / batchSize }

    @Test func killedRunsResumeToTheUninterruptedResult() throws {
        let seed =
            ProcessInfo.processInfo.environment["DEEPTRUST_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        var random = PhiloxStream(key: PhiloxKey(seed: seed, stream: 0))
        let trainer = try VAETrainBinary()
        let data = try TemporaryDirectory(prefix: "crash-data")
        try SyntheticMNISTFiles.write(train: Self.trainingExamples, test: 32, into: data)

        // The uninterrupted run: losses per step and epoch, final weights, and how long it takes.
        let reference = try TemporaryDirectory(prefix: "crash-reference")
        let started = Date()
        let status = try trainer.run(arguments(data: data.path, logDirectory: reference.path))
        let referenceSeconds = Date().timeIntervalSince(started)
        try #require(status == 0, "the uninterrupted vae-train run failed (exit \(status))")
        let expected = try LoggedLosses(eventFiles: EventFileReader.eventFiles(in: reference.path))
        try #require(expected.steps.count == Self.epochs * Self.stepsPerEpoch && expected.epochs.count == Self.epochs)

        // Kill moments: uniformly over the run, and right after a checkpoint's temporary file appears.
        var trials: [KillMoment] = [.afterSeconds(0.05)]
        for _ in 0..<3 {
            trials.append(.afterSeconds(random.nextUniform(in: 0.1, 0.95) * Float(referenceSeconds)))
        }
        for _ in 0..<3 {
            let skipping = Int(random.nextUniform(in: 0, Float(Self.epochs) - 0.01))
            trials.append(.whileWritingCheckpoint(skipping: skipping))
        }
        for (index, moment) in trials.enumerated() {
            let context = "trial \(index) (\(moment)), DEEPTRUST_CRASH_SEED=\(seed)"
            let run = try TemporaryDirectory(prefix: "crash-run")
            try trainer.runKilled(arguments(data: data.path, logDirectory: run.path), at: moment, watching: run.path)

            // Every checkpoint on disk is complete and loadable.
            let checkpoints = try FileManager.default.contentsOfDirectory(atPath: run.path)
                .filter { $0.hasPrefix("checkpoint_") && $0.hasSuffix(".safetensors") }
            for name in checkpoints {
                let path = run.path + "/" + name
                #expect(throws: Never.self, "\(context): \(name) is unreadable") {
                    _ = try TrainingCheckpoint.read(from: path, expecting: Self.configuration)
                }
            }

            // Resume (or start again when no checkpoint was written) and compare with the reference.
            let latest = CheckpointFiles.latest(in: run.path)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.contains(".tmp-") }
            print(
                "CrashSafetyTests: \(context): \(checkpoints.count) checkpoint(s) on disk, "
                    + "\(leftovers.count) cut-off temporary file(s), resuming from \(latest.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "scratch")"
            )
            let resumedStep = try latest.map { try TrainingCheckpoint.readInfo(from: $0).globalStep } ?? 0
            let resumedEpoch = try latest.map { try TrainingCheckpoint.readInfo(from: $0).completedEpochs } ?? 0
            let before = Set(try EventFileReader.eventFiles(in: run.path))
            // A killed run without a checkpoint left an event file: a new run replaces it (--overwrite).
            let resumed = try trainer.run(
                latest == nil
                    ? arguments(data: data.path, logDirectory: run.path) + ["--overwrite"]
                    : arguments(data: data.path, logDirectory: run.path, resuming: true) + ["--resume", run.path])
            try #require(resumed == 0, "\(context): the resumed run failed (exit \(resumed))")
            let newFiles = try EventFileReader.eventFiles(in: run.path).filter { !before.contains($0) }
            let logged = try LoggedLosses(eventFiles: newFiles)

            #expect(logged.steps.map(\.step) == Array(resumedStep..<(Self.epochs * Self.stepsPerEpoch)), "\(context)")
            for (step, value) in logged.steps {
                #expect(
                    value.bitPattern == expected.steps[step].value.bitPattern,
                    "\(context): train/loss at step \(step) is \(value), uninterrupted \(expected.steps[step].value)")
            }
            #expect(logged.epochs.map(\.step) == Array(resumedEpoch..<Self.epochs), "\(context)")
            for (epoch, value) in logged.epochs {
                #expect(
                    value.bitPattern == expected.epochs[epoch].value.bitPattern,
                    "\(context): test/loss of epoch \(epoch) is \(value), uninterrupted \(expected.epochs[epoch].value)")
            }
            let finalName = CheckpointFiles.name(epoch: Self.epochs - 1)
            #expect(
                try sameTensors(run.path + "/" + finalName, reference.path + "/" + finalName), "\(context): final weights differ")
        }
    }

    static let configuration = VAEConfiguration(architecture: .cnn, bottleneck: 4)

    /// The run's flags; a resumed run takes its seed from the checkpoint (--seed is refused there).
    private func arguments(data: String, logDirectory: String, resuming: Bool = false) -> [String] {
        [
            "cnn", "--bottleneck", "4", "--batch-size", "\(Self.batchSize)", "--epochs", "\(Self.epochs)",
        ] + (resuming ? [] : ["--seed", "5"]) + [
            "--data-dir", data, "--no-download", "--limit-train", "\(Self.trainingExamples)", "--limit-test", "32",
            "--workers", "0", "--threads", "1", "--deterministic-eval", "--log-dir", logDirectory,
        ]
    }

    private func sameTensors(_ a: String, _ b: String) throws -> Bool {
        let (first, second) = (try SafeTensors.read(a), try SafeTensors.read(b))
        guard Set(first.tensors.keys) == Set(second.tensors.keys) else { return false }
        return first.tensors.allSatisfy { name, tensor in
            tensor.scalars.map(\.bitPattern) == second.tensors[name]!.scalars.map(\.bitPattern)
        }
    }
}

/// When to send SIGKILL.
enum KillMoment: CustomStringConvertible {
    /// After a delay from the start.
    case afterSeconds(Float)
    /// As soon as a checkpoint's temporary file appears, after letting `skipping` such files pass.
    case whileWritingCheckpoint(skipping: Int)

    var description: String {
        switch self {
        case .afterSeconds(let seconds): "SIGKILL after \((seconds * 1000).rounded() / 1000) s"
        case .whileWritingCheckpoint(let skipping): "SIGKILL while writing checkpoint \(skipping)"
        }
    }
}

/// The `train/loss` scalars by step and `test/loss` by epoch of some event files.
struct LoggedLosses {
    var steps: [(step: Int, value: Float)] = []
    var epochs: [(step: Int, value: Float)] = []

    init(eventFiles: [String]) throws {
        for file in eventFiles {
            for event in try EventFileReader.events(inFile: file) {
                guard case .summary(let values) = event.content else { continue }
                for value in values {
                    guard case .scalar(let number) = value.kind else { continue }
                    if value.tag == "train/loss" { steps.append((Int(event.step), number)) }
                    if value.tag == "test/loss" { epochs.append((Int(event.step), number)) }
                }
            }
        }
    }
}

/// The release `vae-train` built next to this test bundle.
struct VAETrainBinary {
    let path: String

    init() throws {
        let bundle = try #require(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        path = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("vae-train").path
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "vae-train is not built next to the tests (\(path)); build the umbrella with --build-tests")
    }

    private func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs to the end; returns the exit status.
    func run(_ arguments: [String]) throws -> Int32 {
        let process = try start(arguments)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs until `moment`, then kills the process with SIGKILL (unless it has already ended).
    func runKilled(_ arguments: [String], at moment: KillMoment, watching directory: String) throws {
        let process = try start(arguments)
        let clock = ContinuousClock()
        let start = clock.now
        var seen = Set<String>()
        polling: while process.isRunning {
            switch moment {
            case .afterSeconds(let seconds):
                if clock.now - start >= .milliseconds(Int(seconds * 1000)) { break polling }
            case .whileWritingCheckpoint(let skipping):
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                seen.formUnion(names.filter { $0.hasPrefix(".checkpoint_") && $0.contains(".tmp-") })
                if seen.count > skipping { break polling }
            }
            usleep(500)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
