// `bench data`: the MNIST input pipeline (issue 4) — load + decode time of both splits, examples
// per second with the training transforms, and samples per second of one shuffled training epoch
// through the DataLoader with 1 and 2 workers — next to the reference pipeline in PyTorch
// (Pillow transforms, torch DataLoader), measured in the same run by torch_data.py.
import Data
import DeepTrustSystem
import Foundation
import MNISTData
import TensorCore

enum DataBench: BenchSubcommand {
    static let name = "data"
    static let extraFlags: [CommandLineFlag] = []
    static let summary = "MNIST load time and training-epoch samples/s (workers = --threads), Swift vs the PyTorch pipeline"

    /// Batch size of the epochs (the reference trainer's batch size is a flag; 128 is a common choice).
    static let batchSize = 128
    /// Examples read one after another, on one thread, for the per-example figure.
    static let directSamples = 10_000

    /// Median seconds of `repeats` runs of `body` (each run timed once: these runs take seconds).
    static func medianOfRuns(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        for _ in 0..<repeats {
            let start = TimingClock.wall.now()
            try body()
            samples.append(TimingClock.wall.now() - start)
        }
        return median(ofSorted: samples.sorted())
    }

    static func run(_ options: BenchOptions) throws {
        guard let directory = ProcessInfo.processInfo.environment["MNIST_DIR"], !directory.isEmpty else {
            print("bench data: skipped — set MNIST_DIR to the directory holding the four MNIST IDX files (raw or .gz)")
            return
        }
        let machine = machineDescription()
        let repeats = options.repeats
        let workerCounts = options.threads

        // Load + decode (gzip inflate, header and length checks, label checks).
        var train: MNIST?, test: MNIST?
        let trainLoad = try medianOfRuns(repeats) { train = try MNIST(split: .train, directory: directory) }
        let testLoad = try medianOfRuns(repeats) { test = try MNIST(split: .test, directory: directory) }
        guard let train, test != nil else { throw BenchError("loading MNIST produced no dataset") }

        // Examples one by one on this thread: pad, rotate, scale, tensor.
        let directCount = min(directSamples, train.count)
        let directSeconds = try medianOfRuns(repeats) {
            for index in 0..<directCount {
                _ = try train.example(at: index, context: SampleContext(seed: 0, epoch: 0, index: index))
            }
        }

        // One shuffled training epoch through the DataLoader, per worker count.
        var epochRates: [Int: Double] = [:]
        for workers in workerCounts {
            var epoch = 0
            let seconds = try medianOfRuns(repeats) {
                let loader = try DataLoader(train, batchSize: batchSize, shuffle: true, seed: 0, workers: workers)
                let batches = loader.batches(epoch: epoch)
                var samples = 0
                while let batch = try batches.next() { samples += batch.count }
                precondition(samples == train.count, "an epoch delivered \(samples) of \(train.count) samples")
                epoch += 1
            }
            epochRates[workers] = Double(train.count) / seconds
        }

        // The reference pipeline, same files, same run.
        var notes: [String] = []
        var torchVersion: JSONValue = .null
        var torchLoad: [String: Double] = [:]
        var torchDirect: Double?
        var torchEpochRates: [Int: Double] = [:]
        switch runCompanion(
            script: "torch_data.py",
            arguments: [
                "--mnist-dir", directory, "--workers", workerCounts.map(String.init).joined(separator: ","),
                "--batch-size", String(batchSize), "--repeats", String(repeats),
                "--direct-samples", String(directCount),
            ],
            options: options)
        {
        case .figures(let figures):
            torchVersion = figures["torch"] ?? .null
            for split in ["train", "test"] { torchLoad[split] = figures["load_seconds"]?[split]?.number }
            torchDirect = figures["direct"]?["samples_per_second"]?.number
            for entry in figures["epoch"]?.array ?? [] {
                if let workers = entry["workers"]?.number, let rate = entry["samples_per_second"]?.number {
                    torchEpochRates[Int(workers)] = rate
                }
            }
        case .skipped(let reason):
            notes.append("PyTorch column skipped: \(reason)")
        }

        var loadTable = Table(
            title: "MNIST load + decode from \(directory), seconds (median of \(repeats))",
            columns: ["split", "Swift", "PyTorch", "PyTorch ÷ Swift"])
        for (split, swift) in [("train", trainLoad), ("test", testLoad)] {
            let torch = torchLoad[split]
            loadTable.rows.append([
                split, formatted(swift, digits: 3), formatted(torch, digits: 3),
                formatted(torch.map { $0 / swift }, digits: 1),
            ])
        }
        var rateTable = Table(
            title: "Training transforms (pad 2, rotate ±5°, scale to [-1, 1]), samples/s (median of \(repeats))",
            columns: ["pipeline", "Swift", "PyTorch", "× PyTorch"])
        let directRate = Double(directCount) / directSeconds
        rateTable.rows.append([
            "examples one by one, 1 thread (\(directCount))", formatted(directRate, digits: 0),
            formatted(torchDirect, digits: 0), formatted(torchDirect.map { directRate / $0 }, digits: 1),
        ])
        for workers in workerCounts {
            let swift = epochRates[workers], torch = torchEpochRates[workers]
            let ratio = swift.flatMap { s in torch.map { s / $0 } }
            rateTable.rows.append([
                "DataLoader epoch, batch \(batchSize), \(workers) worker\(workers == 1 ? "" : "s")",
                formatted(swift, digits: 0), formatted(torch, digits: 0), formatted(ratio, digits: 1),
            ])
        }

        let report = JSONValue.object([
            "benchmark": .string("data"), "machine": machine, "torch": torchVersion,
            "repeats": .number(Double(repeats)), "batchSize": .number(Double(batchSize)),
            "loadSeconds": .object(["train": .number(trainLoad), "test": .number(testLoad)]),
            "torchLoadSeconds": .object(["train": .optional(torchLoad["train"]), "test": .optional(torchLoad["test"])]),
            "directSamplesPerSecond": .number(directRate), "torchDirectSamplesPerSecond": .optional(torchDirect),
            "epochs": .array(
                workerCounts.map { workers in
                    .object([
                        "workers": .number(Double(workers)), "swiftSamplesPerSecond": .optional(epochRates[workers]),
                        "torchSamplesPerSecond": .optional(torchEpochRates[workers]),
                    ])
                }),
        ])
        print(machineLine(machine))
        try finish(report: report, tables: [loadTable, rateTable], notes: notes, options: options)
    }
}
