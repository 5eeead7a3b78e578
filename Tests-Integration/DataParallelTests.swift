import Foundation  // Process, to run mpirun and vae-train as child processes.
import TensorCore
import TestKit
import Testing
import Training

/// `mpirun -np N vae-train …` (Open MPI, local processes) against one process with the same global
/// batch: the same losses up to floating-point summation order (the same parameters to the bit on
/// two processes), and only rank 0 writes. Skipped
/// with a message when Open MPI (`openmpi-bin`) is not installed.
@Suite(.serialized) struct DataParallelTests {
    /// Two steps an epoch; a batch splits into shares of 32 on two processes, more than the 16 that
    /// the sums' leaves need for a share's tree to be a subtree of the batch's (sum_tree.h).
    static let trainingExamples = 128
    static let batchSize = 64

    /// `mpirun`, or `nil` (the test then reports what to install).
    static var mpirun: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private func arguments(data: String, logDirectory: String) -> [String] {
        [
            "mlp", "--bottleneck", "4", "--batch-size", "\(Self.batchSize)", "--epochs", "2", "--seed", "5",
            "--data-dir", data, "--no-download", "--limit-train", "\(Self.trainingExamples)", "--limit-test", "40",
            "--workers", "0", "--threads", "1", "--log-dir", logDirectory,
        ]
    }

    private func launch(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// Runs `vae-train` with `extra` arguments in `processes` processes (`mpirun -np` when more
    /// than one); `nil` when Open MPI is missing (printed as a skip).
    private func train(
        processes: Int, data: String, logDirectory: String?, epochs: Int = 2, extra: [String] = []
    ) throws -> (status: Int32, output: String)? {
        let binary = try VAETrainBinary()
        var arguments = arguments(data: data, logDirectory: logDirectory ?? "")
        if logDirectory == nil { arguments.removeLast(2) }
        if extra.contains("--resume"), let seed = arguments.firstIndex(of: "--seed") {
            arguments.removeSubrange(seed...(seed + 1))  // the checkpoint's seed applies
        }
        arguments[arguments.firstIndex(of: "--epochs")! + 1] = "\(epochs)"
        arguments += extra
        guard processes > 1 else { return try launch(binary.path, arguments) }
        guard let mpirun = Self.mpirun else {
            print("skipped: mpirun not found; install Open MPI (Debian/Ubuntu package openmpi-bin)")
            return nil
        }
        let root = getuid() == 0 ? ["--allow-run-as-root"] : []
        let result = try launch(mpirun, root + ["--oversubscribe", "-np", "\(processes)", binary.path] + arguments)
        if result.output.contains("no MPI library could be loaded") {
            print("skipped: libmpi not found; install Open MPI (openmpi-bin)")
            return nil
        }
        return result
    }

    /// Expects the runs logged in `actual` and `expected` to agree: every step's training loss and
    /// every epoch's test loss within 1e-5 relative (summation order alone moves them by ~1e-7
    /// here), and the last checkpoints' tensors — parameters and Adam's moments — within 1e-4
    /// relative in norm. Gradients averaged instead of summed barely move the losses under Adam,
    /// which divides the scale out, but halve its first moment and quarter its second. With
    /// `bitwise`, the test losses and the checkpoints' tensors must hold the same bits: two ranks
    /// with equal shares sum every gradient as one process does (balanced trees over the batch, one
    /// addition by MPI), and the evaluation adds each example's error in double.
    private func expectSameTraining(_ actual: String, _ expected: String, _ what: String, bitwise: Bool = false) throws {
        let a = try LoggedLosses(eventFiles: EventFileReader.eventFiles(in: actual))
        let b = try LoggedLosses(eventFiles: EventFileReader.eventFiles(in: expected))
        #expect(a.steps.map(\.step) == b.steps.map(\.step), "\(what): the steps logged")
        #expect(a.epochs.map(\.step) == b.epochs.map(\.step), "\(what): the epochs logged")
        for (x, y) in zip(a.steps, b.steps) {
            #expect(relative(x.value, y.value) <= 1e-5, "\(what): train/loss at step \(x.step): \(x.value) vs \(y.value)")
        }
        for (x, y) in zip(a.epochs, b.epochs) {
            #expect(relative(x.value, y.value) <= 1e-5, "\(what): test/loss of epoch \(x.step): \(x.value) vs \(y.value)")
            if bitwise { #expect(x.value.bitPattern == y.value.bitPattern, "\(what): test/loss of epoch \(x.step)") }
        }
        let last = "checkpoint_\(String(format: "%03d", (b.epochs.last?.step ?? 0))).safetensors"
        let mine = try TrainingCheckpoint.read(from: actual + "/" + last)
        let theirs = try TrainingCheckpoint.read(from: expected + "/" + last)
        #expect(mine.info.globalStep == theirs.info.globalStep)
        #expect(mine.optimizerState.stepCount == theirs.optimizerState.stepCount)
        let tensors =
            theirs.modelState.map { ("model \($0.key)", $0.value, mine.modelState[$0.key]) }
            + theirs.optimizerState.tensors.map { ("optimizer \($0.key)", $0.value, mine.optimizerState.tensors[$0.key]) }
        for (name, reference, found) in tensors {
            guard let found else {
                Issue.record("\(what): \(name) is missing from \(last)")
                continue
            }
            if bitwise {
                let differing = zip(found.scalars, reference.scalars).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(
                    differing == 0, "\(what): \(differing) of \(reference.scalars.count) elements of \(name) in \(last) differ")
            }
            let difference = zip(found.scalars, reference.scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
            let size = reference.scalars.map { Double($0) * Double($0) }.reduce(0, +)
            #expect(difference.squareRoot() <= 1e-4 * size.squareRoot() + 1e-12, "\(what): \(name) in \(last) differs")
        }
    }

    private func relative(_ a: Float, _ b: Float) -> Double { Double(abs(a - b)) / max(Double(abs(b)), 1e-30) }

    /// Synthetic MNIST files for these tests, and the 1-process run on them (the reference) in a
    /// fresh log directory.
    private func dataAndOneProcessRun() throws -> (data: TemporaryDirectory, log: TemporaryDirectory) {
        let data = try TemporaryDirectory(prefix: "ddp-data")
        try SyntheticMNISTFiles.write(train: Self.trainingExamples, test: 40, into: data)
        let log = try TemporaryDirectory(prefix: "ddp-single")
        let run = try #require(try train(processes: 1, data: data.path, logDirectory: log.path))
        try #require(run.status == 0, "the 1-process run failed: \(run.output)")
        return (data, log)
    }

    @Test(arguments: [2, 3])
    func nProcessesMatchOneProcessAndOnlyRankZeroWrites(processes: Int) throws {
        let (data, single) = try dataAndOneProcessRun()

        let parallel = try TemporaryDirectory(prefix: "ddp-parallel")
        guard let many = try train(processes: processes, data: data.path, logDirectory: parallel.path) else { return }
        try #require(many.status == 0, "mpirun -np \(processes) failed: \(many.output)")
        #expect(many.output.contains("data-parallel: \(processes) processes"))

        // Batches of 64 split 32 + 32 on two ranks; on three, 22 + 21 + 21 agree up to rounding.
        try expectSameTraining(parallel.path, single.path, "\(processes) processes", bitwise: processes == 2)
        // One event file, one set of checkpoints: the other ranks wrote nothing.
        #expect(try EventFileReader.eventFiles(in: parallel.path).count == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: parallel.path)
        #expect(files.filter { $0.hasPrefix("checkpoint_") }.count == 2)
        #expect(many.output.components(separatedBy: "epoch 2/2 done").count == 2, "progress printed by one rank only")
    }

    /// One epoch on 2 processes, resumed for the second on `processes` (1 or 3): the same training as
    /// one process for both epochs. Noise and shards depend on the example and the epoch alone, and
    /// rank 0's checkpoint holds all the state, so the number of processes may change on resuming.
    @Test(arguments: [1, 3])
    func resumingWithAnotherNumberOfProcessesMatchesAnUninterruptedRun(processes: Int) throws {
        let (data, straight) = try dataAndOneProcessRun()

        let resumed = try TemporaryDirectory(prefix: "ddp-resumed")
        guard let first = try train(processes: 2, data: data.path, logDirectory: resumed.path, epochs: 1) else { return }
        try #require(first.status == 0, "epoch 1 on 2 processes failed: \(first.output)")
        // The log directory is the checkpoint's; --resume takes the directory (its latest checkpoint).
        guard let second = try train(processes: processes, data: data.path, logDirectory: nil, extra: ["--resume", resumed.path])
        else { return }
        try #require(second.status == 0, "resuming on \(processes) processes failed: \(second.output)")
        #expect(second.output.contains("epoch 2/2 done"))

        try expectSameTraining(resumed.path, straight.path, "2 processes, resumed on \(processes)")
    }
}
