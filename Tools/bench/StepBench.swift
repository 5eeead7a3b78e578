// `bench step`: training-step throughput of the reference VAEs (forward, loss, backward, Adam
// step) at batch 4, 32 and 128, next to the same step in PyTorch (Tools/python/bench/torch_step.py).
import DeepTrustSystem
import TensorCore
import NN
import Optim
import VAEModels

enum StepBench: BenchSubcommand {
    static let name = "step"
    static let summary =
        "VAE training steps (fwd, loss, bwd, Adam) samples/s, Swift vs PyTorch [--models mlp,cnn --batches 4,32,128]"

    /// One measured configuration: a model at a batch size.
    struct Case {
        var architecture: VAEConfiguration.Architecture
        var batch: Int

        var label: String { architecture == .mlp ? "MLPVAE" : "CNNVAE" }
        var configuration: VAEConfiguration {
            VAEConfiguration(architecture: architecture, inputShape: StepBench.inputShape, bottleneck: StepBench.bottleneck)
        }
        var spec: JSONValue {
            .object([
                "model": .string(architecture.rawValue), "batch": .number(Double(batch)),
                "bottleneck": .number(Double(StepBench.bottleneck)),
                "inputShape": .array(StepBench.inputShape.map { .number(Double($0)) }),
            ])
        }
    }

    static let inputShape = [1, 32, 32]
    static let bottleneck = 16
    static let batches = [4, 32, 128]
    /// Steps run before timing (Adam allocates its moments on the first step).
    static let warmupSteps = 3
    /// Each timed sample runs back-to-back steps for at least this long.
    static let minimumSampleSeconds = 0.2

    /// `--models mlp,cnn`, shared with `bench epoch`.
    static let modelsFlag = CommandLineFlag(
        "--models", value: .list(.choice(["mlp", "cnn"])), placeholder: "LIST", expected: "mlp and/or cnn separated by commas",
        help: "the VAEs to run (default mlp,cnn)")

    /// The models `--models` names (validated by ``modelsFlag``), or both.
    static func models(_ options: BenchOptions) -> [VAEConfiguration.Architecture] {
        (options.extra["--models"] ?? "mlp,cnn").split(separator: ",").compactMap {
            VAEConfiguration.Architecture(rawValue: String($0))
        }
    }

    static let extraFlags = [
        modelsFlag,
        CommandLineFlag(
            "--batches", value: .list(.integer(1...Int.max)), placeholder: "LIST",
            expected: "positive integers separated by commas", help: "batch sizes (default 4,32,128)"),
    ]

    /// The cases to run: `--models mlp,cnn` (default both) × `--batches 4,32,128` (default those).
    static func cases(_ options: BenchOptions) -> [Case] {
        let batchSizes = options.extra["--batches"].map { $0.split(separator: ",").compactMap { Int($0) } } ?? batches
        return models(options).flatMap { architecture in
            batchSizes.map { Case(architecture: architecture, batch: $0) }
        }
    }

    /// A step's timing: the median over the samples and the fastest and slowest sample, in seconds.
    struct StepTiming {
        var median: Double, fastest: Double, slowest: Double
        /// The loss after the last timed step (a finite, falling loss shows the step really trains).
        var finalLoss: Float
    }

    /// Times the training step of `benchCase` on the CPU with the current thread setting.
    static func swiftTiming(_ benchCase: Case, repeats: Int, clock: TimingClock) throws -> StepTiming {
        let generator = RandomGenerator(seed: 20240601)
        let model = try benchCase.configuration.makeModel(generator: generator)
        let optimizer = try Adam(model.namedParameters(), learningRate: 1e-3)
        let input = Tensor(
            shape: [benchCase.batch] + inputShape,
            scalars: benchValues(benchCase.batch * inputShape.reduce(1, *), seed: 7))
        var loss = Tensor(0)
        var failure: (any Error)?
        func step() {
            let output = model.forward(input, generator: generator)
            loss = VAELoss.terms(output, target: input).total
            optimizer.zeroGrad()
            loss.backward()
            do { try optimizer.step() } catch { failure = error }
        }
        for _ in 0..<warmupSteps { step() }
        let samples = sortedSampleSeconds(repeats: repeats, minimumSeconds: minimumSampleSeconds, clock: clock, step)
        if let failure { throw BenchError("the Adam step of \(benchCase.label) at batch \(benchCase.batch) failed: \(failure)") }
        return StepTiming(
            median: median(ofSorted: samples), fastest: samples.first!, slowest: samples.last!, finalLoss: loss.item())
    }

    static func run(_ options: BenchOptions) throws {
        let machine = machineDescription()
        let cases = cases(options)
        let clockText = options.clock == .cpu ? "process CPU time" : "wall-clock time"
        var table = Table(
            title: "Training step (forward, loss, backward, Adam), samples/s by \(clockText), input 1×32×32, "
                + "bottleneck 16 (median of \(options.repeats) samples ≥ \(minimumSampleSeconds) s after "
                + "\(warmupSteps) warm-up steps; PyTorch: CPU float32, same thread count, same run)",
            columns: [
                "threads", "model", "batch", "Swift", "Swift range", "ms/step",
                "PyTorch", "PyTorch range", "ms/step", "× PyTorch", "GFLOP/s", "GEMM GFLOP/s", "of GEMM",
            ])
        var rows: [JSONValue] = []
        var torchColumn = TorchColumn()
        try forEachThreadCount(options) { threads in
            let (swift, gemmGflops) = try FlopCount.measureAround(repeats: options.repeats, clock: options.clock) {
                try cases.map { try swiftTiming($0, repeats: options.repeats, clock: options.clock) }
            }
            let spec = JSONValue.object([
                "cases": .array(cases.map(\.spec)),
                "warmupSteps": .number(Double(warmupSteps)),
                "minSeconds": .number(minimumSampleSeconds),
            ])
            var torch = [(median: Double, range: [Double])?](repeating: nil, count: cases.count)
            if let figures = torchColumn.figures(script: "torch_step.py", threads: threads, spec: spec, options: options) {
                let values = figures["cases"]?.array ?? []
                for index in cases.indices where index < values.count {
                    if let seconds = values[index]["stepSeconds"]?.number {
                        torch[index] = (seconds, values[index]["spread"]?.array?.compactMap(\.number) ?? [])
                    }
                }
            }
            for (index, benchCase) in cases.enumerated() {
                let timing = swift[index]
                let batch = Double(benchCase.batch)
                let swiftRate = batch / timing.median
                let torchRate = torch[index].map { batch / $0.median }
                let ratio = torchRate.map { swiftRate / $0 }
                let torchRange = torch[index].flatMap { $0.range.count == 2 ? $0.range : nil }
                let flops = FlopCount.trainingFlops(benchCase.architecture)
                let gflops = swiftRate * flops / 1e9
                table.rows.append([
                    String(threads), benchCase.label, String(benchCase.batch), formatted(swiftRate),
                    "\(formatted(batch / timing.slowest, digits: 0))–\(formatted(batch / timing.fastest, digits: 0))",
                    formatted(timing.median * 1e3, digits: 2), formatted(torchRate),
                    torchRange.map { "\(formatted($0[0], digits: 0))–\(formatted($0[1], digits: 0))" } ?? "-",
                    formatted(torch[index].map { $0.median * 1e3 }, digits: 2), formatted(ratio, digits: 2),
                    formatted(gflops), formatted(gemmGflops), formatted(gflops / gemmGflops, digits: 2),
                ])
                rows.append(
                    .object([
                        "threads": .number(Double(threads)), "case": benchCase.spec,
                        "swiftSamplesPerSecond": .number(swiftRate), "swiftStepSeconds": .number(timing.median),
                        "swiftSamplesPerSecondRange": .array([.number(batch / timing.slowest), .number(batch / timing.fastest)]),
                        "swiftFinalLoss": .number(Double(timing.finalLoss)),
                        "torchSamplesPerSecond": .optional(torchRate),
                        "torchStepSeconds": .optional(torch[index]?.median),
                        "torchSamplesPerSecondRange": torchRange.map { .array($0.map { .number($0) }) } ?? .null,
                        "ratio": .optional(ratio), "flopsPerSample": .number(flops),
                        "swiftGflops": .number(gflops), "gemmGflops": .number(gemmGflops),
                        "fractionOfGemm": .number(gflops / gemmGflops),
                    ]))
            }
        }
        let loadAfter = machineDescription()["loadAverage1m"] ?? .null
        let report = JSONValue.object([
            "benchmark": .string("step"), "machine": machine, "torch": torchColumn.version,
            "clock": .string(options.clock.rawValue), "loadAverageAfter1m": loadAfter,
            "repeats": .number(Double(options.repeats)), "rows": .array(rows),
        ])
        print(machineLine(machine) + ", after the run \(loadAfter.number.map { String(format: "%.2f", $0) } ?? "?")")
        print("× PyTorch = Swift samples/s / PyTorch samples/s (above 1: Swift is faster); range: slowest–fastest sample")
        print(
            "GFLOP/s = Swift samples/s × FLOP per sample (forward + input and weight gradients, see FlopCount.swift: "
                + [VAEConfiguration.Architecture.mlp, .cnn].filter { a in cases.contains { $0.architecture == a } }
                .map { "\($0 == .mlp ? "MLPVAE" : "CNNVAE") \(formatted(FlopCount.trainingFlops($0) / 1e6, digits: 2)) MFLOP" }
                .joined(separator: ", ") + "); GEMM GFLOP/s = 512³ SGEMM in the same run, better of the medians "
                + "before and after; of GEMM = the ratio")
        try finish(report: report, tables: [table], notes: torchColumn.notes, options: options)
    }
}
