import Foundation  // Process, to run vae-train as a child process.
import TestKit
import Testing
import Training

/// 20 epochs of `vae-train` (release, CNN, 64 generated images, 2 data-loading workers, event files,
/// images and a checkpoint every epoch): resident memory stops growing after a short warm-up and
/// no thread is left behind by the per-epoch data loaders. Measured from outside, in the child
/// process's /proc entries, so other tests running in this process do not disturb the figures.
/// About 10–20 s; prints the figures (BENCHMARKS.md, "Reliability (issue 8)", records them).
@Suite struct ResourceUseTests {
    static let epochs = 20
    /// Epochs allowed for warm-up (allocator pools, kernel buffers, lazily created workers).
    static let warmUpEpochs = 5
    /// Growth tolerated after the warm-up: allocator noise, far below one epoch's allocations.
    static let tolerance = 4 << 20

    @Test func residentMemoryAndThreadsStayFlatOverTwentyEpochs() throws {
        let trainer = try VAETrainBinary()
        let data = try TemporaryDirectory(prefix: "resources-data")
        try SyntheticMNISTFiles.write(train: 64, test: 16, into: data)
        let run = try TemporaryDirectory(prefix: "resources-run")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: trainer.path)
        process.arguments = [
            "cnn", "--bottleneck", "4", "--batch-size", "16", "--epochs", "\(Self.epochs)", "--seed", "3",
            "--data-dir", data.path, "--no-download", "--limit-train", "64", "--limit-test", "16",
            "--workers", "2", "--threads", "2", "--log-dir", run.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Peak resident bytes and thread count seen during each epoch (epoch = checkpoints written so far).
        var peakResident = [Int](repeating: 0, count: Self.epochs + 1)
        var peakThreads = [Int](repeating: 0, count: Self.epochs + 1)
        let pid = process.processIdentifier
        while process.isRunning {
            let epoch = min(Self.epochs, checkpointCount(in: run.path))
            if let resident = ProcessFigures.residentBytes(pid: pid), let threads = ProcessFigures.threadCount(pid: pid) {
                peakResident[epoch] = max(peakResident[epoch], resident)
                peakThreads[epoch] = max(peakThreads[epoch], threads)
            }
            usleep(5_000)
        }
        try #require(process.terminationStatus == 0, "vae-train failed (exit \(process.terminationStatus))")
        try #require(checkpointCount(in: run.path) == Self.epochs)

        let epochs = Array(peakResident.prefix(Self.epochs).enumerated()).filter { $0.element > 0 }
        let afterWarmUp = epochs.filter { $0.offset >= Self.warmUpEpochs }.map(\.element)
        let warmedUp = try #require(afterWarmUp.first, "no samples after the warm-up")
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        print("ResourceUseTests: peak RSS per epoch: " + epochs.map { "\($0.offset):\(mib($0.element))" }.joined(separator: " "))
        print("ResourceUseTests: threads per epoch: " + peakThreads.prefix(Self.epochs).map(String.init).joined(separator: " "))
        print(
            "ResourceUseTests: after epoch \(Self.warmUpEpochs) RSS \(mib(warmedUp)), peak afterwards \(mib(afterWarmUp.max()!))")

        #expect(
            afterWarmUp.max()! <= warmedUp + Self.tolerance,
            "resident memory grew from \(mib(warmedUp)) (epoch \(Self.warmUpEpochs)) to \(mib(afterWarmUp.max()!))")
        // The peaks vary by a few threads with the moment of sampling (loader workers come and go);
        // one thread left behind per epoch would add 15 by the end.
        let warmUpThreads = peakThreads.prefix(Self.warmUpEpochs).max() ?? 0
        let laterThreads = peakThreads.prefix(Self.epochs).dropFirst(Self.warmUpEpochs).max() ?? 0
        #expect(laterThreads <= warmUpThreads + 2, "threads accumulate: \(peakThreads)")
    }

    private func checkpointCount(in directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("checkpoint_") && $0.hasSuffix(".safetensors") }.count
    }
}

/// Figures of a running process from /proc.
enum ProcessFigures {
    /// Resident set size in bytes (the second field of /proc/<pid>/statm, in pages).
    static func residentBytes(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Number of threads (the `Threads:` line of /proc/<pid>/status).
    static func threadCount(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") })
        else { return nil }
        return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
    }
}
