// `bench epoch`: one full MNIST training epoch (60,000 images, batch 128, random rotation on) of
// MLPVAE and CNNVAE through the VAE trainer — wall time and samples per second — next to the
// PyTorch reference trainer (Tools/python/reference/torch_vae_train.py, via torch_epoch.py) in the same
// run, with the same kernel threads and loader workers. Evaluation is not timed on either side.
import Data
import DeepTrustSystem
import Foundation
import MNISTData
import TensorCore
import Training
import VAEModels

enum EpochBench: BenchSubcommand {
    static let name = "epoch"
    static let summary =
        "one MNIST training epoch per VAE (batch 128, rotation on), samples/s, Swift vs the PyTorch trainer\n"
        + "           [--models mlp,cnn] [--workers 2] [--runs 1] [--limit-train N]; threads: the last of --threads"
    /// `--models mlp,cnn` (default both), `--workers N` loader threads / torch DataLoader workers
    /// (default 2, as the reference), `--runs N` timed epochs per model and side, median reported
    /// (default 1; `--repeats` is not used: an epoch is long), `--limit-train N` for smoke runs.
    /// The kernel threads are the last of `--threads` (default: all cores).
    static let extraFlags = [
        StepBench.modelsFlag,
        CommandLineFlag("--workers", value: .integer(0...Int.max), placeholder: "N", help: "loader threads (default 2)"),
        CommandLineFlag(
            "--runs", value: .integer(1...Int.max), placeholder: "N", help: "timed epochs per model and side (default 1)"),
        CommandLineFlag(
            "--limit-train", value: .integer(1...Int.max), placeholder: "N", help: "train on the first N examples (smoke runs)"),
    ]
    static let batchSize = 128
    /// Targets of issue 5: Swift's samples/s ÷ PyTorch's.
    static let targets: [VAEConfiguration.Architecture: Double] = [.mlp: 1.2, .cnn: 2.0]

    static func run(_ options: BenchOptions) throws {
        guard let directory = ProcessInfo.processInfo.environment["MNIST_DIR"], !directory.isEmpty else {
            print("bench epoch: skipped — set MNIST_DIR to the directory holding the four MNIST IDX files (raw or .gz)")
            return
        }
        let models = StepBench.models(options)
        let workers = options.extra["--workers"].flatMap { Int($0) } ?? 2
        let runs = options.extra["--runs"].flatMap { Int($0) } ?? 1
        let threads = options.threads.last ?? ProcessInfo.processInfo.activeProcessorCount
        CPUBackend.threadCount = threads
        let machine = machineDescription()

        let fullTrain = try MNIST(split: .train, directory: directory)
        let train: any Dataset =
            try options.extra["--limit-train"].flatMap { Int($0) }.map { limit in
                try Subset(fullTrain, first: min(limit, fullTrain.count))
            } ?? fullTrain
        let oneTestExample = try Subset(try MNIST(split: .test, directory: directory), first: 1)

        var swift: [VAEConfiguration.Architecture: (seconds: [Double], summary: EpochSummary)] = [:]
        for architecture in models {
            var seconds: [Double] = []
            var last: EpochSummary?
            for run in 0..<runs {
                let generator = RandomGenerator(seed: UInt64(run))
                let model = try VAEConfiguration(architecture: architecture, bottleneck: 16).makeModel(generator: generator)
                let trainer = try VAETrainer(
                    model: model, trainingSet: train, testSet: oneTestExample,
                    options: VAETrainerOptions(
                        batchSize: batchSize, seed: UInt64(run), workers: workers,
                        comparisonImages: 0),
                    generator: generator, writer: DiscardingWriter())
                let summary = try trainer.trainEpoch()
                seconds.append(summary.trainingSeconds)
                last = summary
                print(
                    "swift \(architecture.rawValue) epoch: \(summary.samples) samples in \(formatted(summary.trainingSeconds, digits: 2)) s"
                )
            }
            swift[architecture] = (seconds, last!)
        }

        var notes: [String] = []
        var torchVersion: JSONValue = .null
        var torch: [String: (seconds: Double, rate: Double)] = [:]
        var companionArguments = [
            "--mnist-dir", directory, "--models", models.map(\.rawValue).joined(separator: ","),
            "--threads", String(threads), "--workers", String(workers),
            "--batch-size", String(batchSize), "--repeats", String(runs),
        ]
        if let limit = options.extra["--limit-train"] { companionArguments += ["--limit-train", limit] }
        switch runCompanion(script: "torch_epoch.py", arguments: companionArguments, options: options) {
        case .figures(let figures):
            torchVersion = figures["torch"] ?? .null
            for entry in figures["results"]?.array ?? [] {
                if let model = entry["model"]?.string, let seconds = entry["median_seconds"]?.number,
                    let rate = entry["samples_per_second"]?.number
                {
                    torch[model] = (seconds, rate)
                }
            }
        case .skipped(let reason):
            notes.append("PyTorch column skipped: \(reason)")
        }

        var table = Table(
            title: "One training epoch of \(train.count) MNIST images, batch \(batchSize), rotation on; "
                + "\(threads) kernel thread\(threads == 1 ? "" : "s"), \(workers) loader worker\(workers == 1 ? "" : "s") "
                + "(median of \(runs))",
            columns: ["model", "Swift s", "Swift samples/s", "PyTorch s", "PyTorch samples/s", "× PyTorch", "target"])
        var results: [JSONValue] = []
        for architecture in models {
            guard let measured = swift[architecture] else { continue }
            let seconds = median(ofSorted: measured.seconds.sorted())
            let rate = Double(measured.summary.samples) / seconds
            let reference = torch[architecture.rawValue]
            let ratio = reference.map { rate / $0.rate }
            let target = targets[architecture] ?? 1
            table.rows.append([
                architecture.rawValue.uppercased() + "VAE", formatted(seconds, digits: 1), formatted(rate, digits: 0),
                formatted(reference?.seconds, digits: 1), formatted(reference?.rate, digits: 0),
                formatted(ratio, digits: 2),
                "≥ \(formatted(target, digits: 1))"
                    + (ratio.map { $0 >= target ? " met" : " missed" } ?? ""),
            ])
            results.append(
                .object([
                    "model": .string(architecture.rawValue), "samples": .number(Double(measured.summary.samples)),
                    "swiftSeconds": .array(measured.seconds.map { .number($0) }), "swiftMedianSeconds": .number(seconds),
                    "swiftSamplesPerSecond": .number(rate),
                    "swiftTrainLossPerExample": .number(measured.summary.meanTrainingLoss),
                    "torchMedianSeconds": .optional(reference?.seconds), "torchSamplesPerSecond": .optional(reference?.rate),
                    "ratio": .optional(ratio), "target": .number(target),
                ]))
        }
        let report = JSONValue.object([
            "benchmark": .string("epoch"), "machine": machine, "torch": torchVersion,
            "threads": .number(Double(threads)), "workers": .number(Double(workers)), "runs": .number(Double(runs)),
            "batchSize": .number(Double(batchSize)), "results": .array(results),
        ])
        print(machineLine(machine))
        try finish(report: report, tables: [table], notes: notes, options: options)
    }
}
