import DeepTrustSystem
// `bench ddp`: data-parallel training throughput. One MNIST training epoch (global batch 128, no
// augmentation) of MLPVAE and CNNVAE in N processes × 1 kernel thread under `mpirun -np N` (default
// 2) against one process with N kernel threads, in samples/s, and the scaling efficiency (N-process
// throughput ÷ 1-process-N-thread throughput); the PyTorch column (Tools/python/bench/torch_ddp.py)
// runs DistributedDataParallel over gloo in N processes × 1 thread and one process with N threads
// in the same run.
//
// The N-process figure is timed inside the ranks: `bench ddp` starts `mpirun -np N <this bench> ddp
// --rank-of MODEL …`; every rank loads the data, builds the trainer, joins the world group (rank
// 0's initial state is broadcast), waits at a barrier and then trains one epoch. The epoch time is
// the trainer's own (`EpochSummary.trainingSeconds`: loader creation to the last step), and the
// slowest rank's is reported, so process start-up, MPI initialisation and data loading are not
// counted — as on the 1-process side, which runs the plain trainer in this process.
import Data
import Distributed
import Foundation
import MNISTData
import NN
import TensorCore
import Training
import VAEModels

enum DDPBench: BenchSubcommand {
    static let name = "ddp"
    static let summary =
        "one MNIST epoch (batch 128, no rotation) in N processes × 1 thread (mpirun) vs 1 process × N threads,\n"
        + "           samples/s and scaling, Swift vs PyTorch DDP (gloo) [--models mlp,cnn] [--processes 2]\n"
        + "           [--workers 0] [--limit-train N] [--mpirun PATH]"
    /// `--models mlp,cnn` (default both), `--processes N` (default 2), `--workers N` loader threads
    /// per process / torch DataLoader workers per rank (default 0: batches are made on the training
    /// thread, so every process uses exactly its kernel threads), `--limit-train N` for smoke runs,
    /// `--mpirun PATH` (default `mpirun` on PATH). `--rank-of MODEL` is the per-rank mode that
    /// `bench ddp` itself starts under mpirun.
    static let extraFlags = [
        StepBench.modelsFlag,
        CommandLineFlag(
            "--processes", value: .integer(2...Int.max), placeholder: "N", help: "processes under mpirun (default 2)"),
        CommandLineFlag(
            "--workers", value: .integer(0...Int.max), placeholder: "N", help: "loader threads per process (default 0)"),
        CommandLineFlag(
            "--limit-train", value: .integer(1...Int.max), placeholder: "N", help: "train on the first N examples (smoke runs)"),
        CommandLineFlag("--mpirun", value: .text(nonEmpty: true), placeholder: "PATH", help: "the launcher (default mpirun)"),
        CommandLineFlag(
            "--rank-of", value: .choice(["mlp", "cnn"]), placeholder: "MODEL", help: "one rank's work, as started by bench ddp",
            hidden: true),
    ]
    static let batchSize = 128
    /// Targets of issue 16: N-process throughput ÷ 1-process-N-thread throughput, and ÷ PyTorch DDP's.
    static let scalingTarget = 0.9
    static let torchTarget = 2.5
    /// The line prefix of rank 0's result in `--rank-of` mode.
    static let resultPrefix = "bench-ddp-rank-result "

    static func run(_ options: BenchOptions) throws {
        guard let directory = ProcessInfo.processInfo.environment["MNIST_DIR"], !directory.isEmpty else {
            print("bench ddp: skipped — set MNIST_DIR to the directory holding the four MNIST IDX files (raw or .gz)")
            return
        }
        // The parser has checked every value against its flag (extraFlags).
        let workers = options.extra["--workers"].flatMap { Int($0) } ?? 0
        let limit = options.extra["--limit-train"].flatMap { Int($0) }
        if let model = options.extra["--rank-of"].flatMap(VAEConfiguration.Architecture.init(rawValue:)) {
            try runRank(architecture: model, directory: directory, workers: workers, limit: limit)
            return
        }
        let models = StepBench.models(options)
        let processes = options.extra["--processes"].flatMap { Int($0) } ?? 2
        guard batchSize % processes == 0 else {
            throw BenchError("--processes \(processes) does not divide the global batch \(batchSize)")
        }
        let machine = machineDescription()
        let train = try trainingSet(directory: directory, limit: limit)
        var notes: [String] = []

        // 1 process × N threads: the plain trainer, as `bench epoch` runs it.
        var single: [VAEConfiguration.Architecture: EpochSummary] = [:]
        CPUBackend.threadCount = processes
        for architecture in models {
            let summary = try trainer(architecture, train: train, directory: directory, workers: workers).trainEpoch()
            single[architecture] = summary
            print(
                "swift \(architecture.rawValue) 1 process × \(processes) threads: \(summary.samples) samples in "
                    + "\(formatted(summary.trainingSeconds, digits: 2)) s")
        }

        // N processes × 1 thread under mpirun.
        var parallel: [VAEConfiguration.Architecture: (samples: Int, seconds: Double, perRank: [Double], figures: JSONValue)] =
            [:]
        let launcher = options.extra["--mpirun"] ?? "mpirun"
        for architecture in models {
            var rankArguments = ["ddp", "--rank-of", architecture.rawValue, "--workers", String(workers)]
            if let limit { rankArguments += ["--limit-train", String(limit)] }
            switch launchRanks(mpirun: launcher, processes: processes, arguments: rankArguments) {
            case .figures(let figures):
                let perRank = figures["seconds"]?.array?.compactMap(\.number) ?? []
                guard let samples = figures["samples"]?.number, let slowest = perRank.max() else {
                    notes.append("\(architecture.rawValue): the ranks' result lacks samples or seconds")
                    continue
                }
                parallel[architecture] = (Int(samples), slowest, perRank, figures)
                let steps = figures["steps"]?.number ?? 0
                print(
                    "swift \(architecture.rawValue) \(processes) processes × 1 thread: \(Int(samples)) samples in "
                        + "\(formatted(slowest, digits: 2)) s (slowest rank), \(Int(steps)) steps; all-reduce of "
                        + "\(Int(figures["gradientElements"]?.number ?? 0)) floats: "
                        + "\(formatted((figures["allReduceSeconds"]?.number).map { $0 * 1000 }, digits: 2)) ms per step, "
                        + "\(formatted((figures["engineAllReduceSeconds"]?.number).map { $0 * 1000 }, digits: 2)) ms of it in "
                        + (figures["engine"]?.string ?? "the engine"))
            case .skipped(let reason):
                notes.append("\(processes)-process column skipped for \(architecture.rawValue): \(reason)")
            }
        }

        var torchVersion: JSONValue = .null
        var torch: [String: (ddp: Double?, single: Double?)] = [:]
        var companionArguments = [
            "--mnist-dir", directory, "--models", models.map(\.rawValue).joined(separator: ","),
            "--processes", String(processes), "--workers", String(workers), "--batch-size", String(batchSize),
        ]
        if let limit { companionArguments += ["--limit-train", String(limit)] }
        switch runCompanion(script: "torch_ddp.py", arguments: companionArguments, options: options) {
        case .figures(let figures):
            torchVersion = figures["torch"] ?? .null
            for entry in figures["results"]?.array ?? [] {
                guard let model = entry["model"]?.string else { continue }
                torch[model] = (entry["ddp"]?["samples_per_second"]?.number, entry["single"]?["samples_per_second"]?.number)
            }
        case .skipped(let reason):
            notes.append("PyTorch column skipped: \(reason)")
        }

        let n = String(processes)
        var table = Table(
            title: "One training epoch of \(train.count) MNIST images, global batch \(batchSize), no augmentation, "
                + "\(workers) loader worker\(workers == 1 ? "" : "s") per process: samples/s",
            columns: [
                "model", "Swift 1p×\(n)t", "Swift \(n)p×1t", "scaling", "target", "PyTorch DDP \(n)p×1t",
                "× PyTorch DDP", "target", "PyTorch 1p×\(n)t",
            ])
        var results: [JSONValue] = []
        for architecture in models {
            guard let one = single[architecture] else { continue }
            let singleRate = Double(one.samples) / one.trainingSeconds
            let many = parallel[architecture]
            let parallelRate = many.map { Double($0.samples) / $0.seconds }
            let scaling = parallelRate.map { $0 / singleRate }
            let reference = torch[architecture.rawValue]
            let versusTorch = parallelRate.flatMap { rate in reference?.ddp.map { rate / $0 } }
            table.rows.append([
                architecture.rawValue.uppercased() + "VAE", formatted(singleRate, digits: 0),
                formatted(parallelRate, digits: 0), formatted(scaling, digits: 2),
                "≥ \(formatted(scalingTarget, digits: 2))" + (scaling.map { $0 >= scalingTarget ? " met" : " missed" } ?? ""),
                formatted(reference?.ddp, digits: 0), formatted(versusTorch, digits: 2),
                "≥ \(formatted(torchTarget, digits: 1))" + (versusTorch.map { $0 >= torchTarget ? " met" : " missed" } ?? ""),
                formatted(reference?.single, digits: 0),
            ])
            results.append(
                .object([
                    "model": .string(architecture.rawValue), "samples": .number(Double(one.samples)),
                    "singleProcessSeconds": .number(one.trainingSeconds), "singleProcessSamplesPerSecond": .number(singleRate),
                    "parallelSeconds": .optional(many?.seconds),
                    "parallelSecondsPerRank": .array((many?.perRank ?? []).map { .number($0) }),
                    "parallelSteps": many?.figures["steps"] ?? .null,
                    "gradientElements": many?.figures["gradientElements"] ?? .null,
                    "allReduceSecondsPerStep": many?.figures["allReduceSeconds"] ?? .null,
                    "engineAllReduceSecondsPerStep": many?.figures["engineAllReduceSeconds"] ?? .null,
                    "parallelSamplesPerSecond": .optional(parallelRate), "scaling": .optional(scaling),
                    "scalingTarget": .number(scalingTarget),
                    "torchDDPSamplesPerSecond": .optional(reference?.ddp),
                    "torchSingleProcessSamplesPerSecond": .optional(reference?.single),
                    "ratioToTorchDDP": .optional(versusTorch), "torchTarget": .number(torchTarget),
                ]))
        }
        let report = JSONValue.object([
            "benchmark": .string("ddp"), "machine": machine, "torch": torchVersion,
            "processes": .number(Double(processes)), "workers": .number(Double(workers)),
            "batchSize": .number(Double(batchSize)), "results": .array(results),
        ])
        print(machineLine(machine))
        try finish(report: report, tables: [table], notes: notes, options: options)
    }

    // MARK: - Ranks

    /// One rank under mpirun: 1 kernel thread, the trainer joined to the world group, a barrier,
    /// one timed epoch; rank 0 prints every rank's epoch seconds and the global sample count.
    private static func runRank(
        architecture: VAEConfiguration.Architecture, directory: String, workers: Int, limit: Int?
    ) throws {
        CPUBackend.threadCount = 1
        let group = try ProcessGroup.world()
        do {
            let train = try trainingSet(directory: directory, limit: limit)
            let trainer = try trainer(architecture, train: train, directory: directory, workers: workers)
            try trainer.join(group)
            try group.barrier()
            let summary = try trainer.trainEpoch()
            let seconds = try group.allGather([summary.trainingSeconds]).flatMap { $0 }
            // What one step's gradient all-reduce costs (the trainer's call: in place, on tensors
            // shaped like the model's gradients), and the engine's share of it (one MPI_Allreduce
            // of the same count).
            var gradients = trainer.model.namedParameters().map { Tensor.zeros(like: $0.parameter.value) }
            let elements = gradients.reduce(0) { $0 + $1.count }
            var allReduce: [Double] = []
            var engine: [Double] = []
            var flat = [Float](repeating: 0, count: elements)
            for _ in 0..<10 {
                try group.barrier()
                var start = TimingClock.wall.now()
                try group.allReduce(&gradients, .sum)
                allReduce.append(TimingClock.wall.now() - start)
                try group.barrier()
                start = TimingClock.wall.now()
                try flat.withUnsafeMutableBufferPointer { try group.communicator.allReduceSum($0) }
                engine.append(TimingClock.wall.now() - start)
            }
            if group.isMain {
                let result = JSONValue.object([
                    "samples": .number(Double(summary.samples)), "seconds": .array(seconds.map { .number($0) }),
                    "steps": .number(Double(summary.steps)), "gradientElements": .number(Double(elements)),
                    "allReduceSeconds": .number(median(ofSorted: allReduce.sorted())),
                    "engineAllReduceSeconds": .number(median(ofSorted: engine.sorted())),
                    "engine": .string(group.communicator.engineName),
                ])
                print(resultPrefix + result.text())
            }
        } catch {
            // One failing rank ends the job with its message instead of leaving the others waiting.
            guard group.isDistributed else { throw error }
            group.abort("bench ddp: \(error)")
        }
    }

    /// Runs `mpirun -np processes <this executable> arguments` and returns rank 0's result.
    private static func launchRanks(mpirun: String, processes: Int, arguments: [String]) -> CompanionOutcome {
        guard let executable = Bundle.main.executablePath ?? CommandLine.arguments.first else {
            return .skipped("cannot find the bench executable to start under mpirun")
        }
        // Unbound ranks, as PyTorch's spawned ranks are; as root Open MPI needs --allow-run-as-root.
        let launcherArguments =
            (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "--bind-to", "none", "-np", String(processes)]
        let process = Process()
        if mpirun.contains("/") {
            process.executableURL = URL(fileURLWithPath: mpirun)
            process.arguments = launcherArguments + [executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [mpirun] + launcherArguments + [executable] + arguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return .skipped("cannot start \(mpirun): \(error.localizedDescription)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n")
        guard process.terminationStatus == 0,
            let line = lines.last(where: { $0.hasPrefix(resultPrefix) }),
            let value = try? JSONDecoder().decode(JSONValue.self, from: Foundation.Data(line.dropFirst(resultPrefix.count).utf8))
        else {
            if process.terminationStatus == 127 { return .skipped("\(mpirun) not found; install Open MPI (openmpi-bin)") }
            let reason = lines.suffix(4).joined(separator: " | ")
            return .skipped("mpirun exited with status \(process.terminationStatus): \(reason)")
        }
        return .figures(value)
    }

    // MARK: - Set-up

    /// The MNIST training split without augmentation (the first `limit` images when given).
    private static func trainingSet(directory: String, limit: Int?) throws -> any Dataset {
        let full = try MNIST(split: .train, directory: directory, transform: ImagePipeline.reference(augment: false))
        guard let limit, limit < full.count else { return full }
        return try Subset(full, first: limit)
    }

    /// A fresh model (seed 0) and trainer, global batch 128; evaluation sees one test image.
    private static func trainer(
        _ architecture: VAEConfiguration.Architecture, train: any Dataset, directory: String, workers: Int
    ) throws -> VAETrainer {
        let generator = RandomGenerator(seed: 0)
        let model = try VAEConfiguration(architecture: architecture, bottleneck: 16).makeModel(generator: generator)
        let oneTestExample = try Subset(try MNIST(split: .test, directory: directory), first: 1)
        return try VAETrainer(
            model: model, trainingSet: train, testSet: oneTestExample,
            options: VAETrainerOptions(batchSize: batchSize, seed: 0, workers: workers, comparisonImages: 0),
            generator: generator, writer: DiscardingWriter())
    }
}
