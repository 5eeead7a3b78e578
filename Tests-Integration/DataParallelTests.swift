import Foundation  // Process, to run mpirun and vae-train as child processes.
import TensorCore
import TestKit
import Testing
import Training

/// `mpirun -np N vae-train …` (Open MPI, local processes) against one process with the same global
/// batch: the same losses up to floating-point summation order, and only rank 0 writes. Skipped
/// with a message when Open MPI (`openmpi-bin`) is not installed.
@Suite(.serialized) struct DataParallelTests {
    static let trainingExamples = 96
    static let batchSize = 16

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

    @Test(arguments: [2, 3])
    func nProcessesMatchOneProcessAndOnlyRankZeroWrites(processes: Int) throws {
        guard let mpirun = Self.mpirun else {
            print("skipped: mpirun not found; install Open MPI (Debian/Ubuntu package openmpi-bin)")
            return
        }
        let binary = try VAETrainBinary()
        let data = try TemporaryDirectory(prefix: "ddp-data")
        try SyntheticMNISTFiles.write(train: Self.trainingExamples, test: 40, into: data)

        let single = try TemporaryDirectory(prefix: "ddp-single")
        let one = try launch(binary.path, arguments(data: data.path, logDirectory: single.path))
        try #require(one.status == 0, "the 1-process run failed: \(one.output)")

        let parallel = try TemporaryDirectory(prefix: "ddp-parallel")
        let root = getuid() == 0 ? ["--allow-run-as-root"] : []
        let many = try launch(
            mpirun, root + ["--oversubscribe", "-np", "\(processes)", binary.path] + arguments(data: data.path, logDirectory: parallel.path))
        if many.output.contains("no MPI library could be loaded") {
            print("skipped: libmpi not found; install Open MPI (openmpi-bin)")
            return
        }
        try #require(many.status == 0, "mpirun -np \(processes) failed: \(many.output)")
        #expect(many.output.contains("data-parallel: \(processes) processes"))

        let expected = try LoggedLosses(eventFiles: EventFileReader.eventFiles(in: single.path))
        let actual = try LoggedLosses(eventFiles: EventFileReader.eventFiles(in: parallel.path))
        #expect(actual.steps.count == expected.steps.count)
        #expect(actual.epochs.count == 2)
        for (a, b) in zip(actual.epochs, expected.epochs) {
            #expect(abs(a.value - b.value) <= 1e-4 * abs(b.value), "test loss of epoch \(a.step): \(a.value) vs \(b.value)")
        }
        // One event file, one set of checkpoints: the other ranks wrote nothing.
        #expect(try EventFileReader.eventFiles(in: parallel.path).count == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: parallel.path)
        #expect(files.filter { $0.hasPrefix("checkpoint_") }.count == 2)
        #expect(many.output.components(separatedBy: "epoch 2/2 done").count == 2, "progress printed by one rank only")
    }
}
