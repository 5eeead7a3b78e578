import DeepTrustSystem
import TensorCore
import VAEModels

/// The command line of `vae-train` (the reference's `run.py`): parsing and help.
///
/// ```text
/// vae-train mlp --epochs 10 --device cuda:0 --log-dir results/mlp
/// ```
/// The model type is a positional argument (or `--model`/`-t`); every other setting is a flag with
/// a value, given as `--flag value` or `--flag=value`. Short forms follow `run.py` (`-n`, `-r`, `-b`,
/// `-e`, `-d`, `-l`).
public enum VAETrainCLI {
    /// Parses `arguments` (without the program name).
    /// - Throws: ``ArgumentError`` naming the flag and what it accepts.
    public static func parse(_ arguments: [String]) throws(ArgumentError) -> VAETrainCommand {
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) { return .help }
        var architecture: VAEConfiguration.Architecture?
        var settings: [(Flag, String?)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                guard architecture == nil else { throw .unexpectedArgument(argument) }
                architecture = try parseArchitecture(argument, flag: "the model type")
                continue
            }
            let (name, inlineValue) = split(argument)
            guard let flag = Flag.named(name) else {
                throw .unknownFlag(name, suggestion: Flag.closest(to: name))
            }
            guard let valueName = flag.valueName else {
                if let inlineValue { throw .unexpectedValue(flag: flag.name, value: inlineValue) }
                settings.append((flag, nil))
                continue
            }
            if let inlineValue {
                settings.append((flag, inlineValue))
            } else if index < arguments.count {
                let next = arguments[index]
                // `--log-dir --deterministic-eval` is a forgotten value, not a directory name.
                if next.hasPrefix("--") || Flag.named(next) != nil || next == "-h" {
                    throw .optionInsteadOfValue(flag: flag.name, expected: valueName.expected, found: next)
                }
                settings.append((flag, next))
                index += 1
            } else {
                throw .missingValue(flag: flag.name, expected: valueName.expected)
            }
        }
        if let model = settings.last(where: { $0.0.name == "--model" })?.1 {
            let parsed = try parseArchitecture(model, flag: "--model")
            guard architecture == nil || architecture == parsed else { throw .unexpectedArgument(model) }
            architecture = parsed
        }
        guard let architecture else { throw .missingModel }
        var result = VAETrainArguments(architecture: architecture)
        for (flag, value) in settings {
            try flag.apply(&result, value ?? "")
        }
        let given = Set(settings.map(\.0.name))
        if given.contains("--resume") {
            for name in ["--seed", "--lr"] where given.contains(name) {
                throw .conflictingFlags(
                    name, "--resume",
                    reason: "a resumed run continues with the checkpoint's \(name == "--seed" ? "seed" : "learning rate")")
            }
            if given.contains("--overwrite") {
                throw .conflictingFlags(
                    "--overwrite", "--resume", reason: "a resumed run continues in its log directory or starts a new one")
            }
        }
        try checkFeasible(result)
        return .train(result)
    }

    /// A lower bound of the bytes of memory a run with `arguments` needs: parameters, gradients
    /// and Adam's two moments (4 × Float32 per parameter) and the forward values of one batch
    /// (`trainingExamples` bounds the batch: MNIST has 60,000).
    public static func estimatedMemory(for arguments: VAETrainArguments, trainingExamples: Int = 60_000) -> Double {
        let c = arguments.configuration
        let d = Double(c.bottleneck)
        let features = Double(c.inputShape.reduce(1, *))
        let parameters: Double, activations: Double
        switch c.architecture {
        case .mlp:
            // Linear layers features→512→256→128→2d and d→128→256→512→features.
            parameters = 2 * 512 * features + 2 * 512 * 256 + 2 * 256 * 128 + 3 * 128 * d
            activations = 2 * (features + 512 + 256 + 128) + 3 * d
        case .cnn:
            // Convolutions of 16, 32 and 64 channels at 1, 1/4 and 1/16 of the pixels; the linear
            // layers between 64·pixels/16 features and 2d, d.
            let pixels = Double(c.inputShape[1] * c.inputShape[2])
            let flat = 64 * pixels / 16
            parameters = 3 * flat * d
            activations = 2 * 28 * pixels + 3 * d
        }
        let batch = Double(min(arguments.batchSize, arguments.limitTrain ?? trainingExamples, trainingExamples))
        return 4 * (4 * parameters + batch * activations)
    }

    /// Refuses sizes the machine's memory cannot hold, before anything is allocated.
    private static func checkFeasible(_ arguments: VAETrainArguments) throws(ArgumentError) {
        let available = physicalMemory()
        guard available > 0 else { return }
        let needed = estimatedMemory(for: arguments)
        guard needed > available else { return }
        let parameterBound = estimatedMemory(
            for: {
                var a = arguments; a.batchSize = 1; return a
            }())
        let flag = parameterBound > available ? "--bottleneck" : "--batch-size"
        let value = flag == "--bottleneck" ? String(arguments.bottleneck) : String(arguments.batchSize)
        throw .infeasible(
            flag: flag, value: value,
            reason: "the \(arguments.architecture.rawValue) model would need at least \(gigabytes(needed)) of memory "
                + "(parameters, gradients, Adam's moments and one batch), more than this machine has (\(gigabytes(available)))")
    }

    private static func gigabytes(_ bytes: Double) -> String {
        let value = bytes / 1_073_741_824
        return value >= 10 ? "\(Int(value.rounded())) GiB" : "\(Double(Int(value * 10)) / 10) GiB"
    }

    private static func physicalMemory() -> Double {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? Double(pages) * Double(size) : 0
    }

    /// The text `--help` prints: usage, every flag with its default, and where data comes from.
    public static var help: String {
        var lines = [
            "vae-train — train a variational autoencoder on MNIST (the reference's run.py)",
            "",
            "usage: vae-train mlp|cnn [options]",
            "",
            "  mlp|cnn               the model: the fully connected or the convolutional VAE (required;",
            "                        also --model/-t)",
        ]
        for flag in Flag.all where flag.name != "--model" {
            let names = (flag.short.map { "\($0), " } ?? "") + flag.name + (flag.valueName.map { " \($0.placeholder)" } ?? "")
            let padded =
                names.count < 22
                ? names + String(repeating: " ", count: 22 - names.count) : names + "\n" + String(repeating: " ", count: 24)
            let help = flag.help.split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("  " + padded + help[0])
            lines += help.dropFirst().map { String(repeating: " ", count: 24) + $0 }
        }
        lines += [
            "  -h, --help            show this help",
            "",
            "Each epoch writes to the log directory: TensorBoard scalars (train/recon_loss, train/kl_div_loss,",
            "train/loss per step; test/loss per epoch) and images (test/0…9 input | reconstruction,",
            "images/reconstructions, images/samples), checkpoint_<NNN>.safetensors, and the PNG grids",
            "reconstructions_<NNN>.png and samples_<NNN>.png, where NNN is the 0-based epoch (000 after the",
            "first epoch). View with: tensorboard --logdir <log dir>",
            "",
            "A log directory belongs to one run. A new run refuses a directory that holds an earlier run's",
            "checkpoints, event files or PNG grids (exit status 2) unless --resume continues that run from its",
            "latest checkpoint or --overwrite deletes it first; a lock (.deeptrust-run.lock) keeps a second",
            "vae-train out of a directory in use and names the process that holds it.",
            "",
            "With --resume, the model (mlp|cnn, --bottleneck), the seed and the learning rate come from the",
            "checkpoint: --seed and --lr are refused, a different model is refused with the flags that match;",
            "--batch-size and --limit-train must give the run's steps per epoch; --epochs, --device, --workers,",
            "--threads, --data-dir, --limit-test, --deterministic-eval and --detect-anomaly apply. Checkpoints",
            "carry CRC-32C checksums of their tensors and metadata; a corrupted one is refused.",
            "",
            "Ctrl-C (SIGINT) or SIGTERM stops after the current step, flushes the event file and prints how to",
            "resume from the last checkpoint (exit status 130 or 143).",
            "",
            "MNIST is read from --data-dir, else $MNIST_DIR, else ~/.cache/deeptrust/mnist, and downloaded there",
            "when missing (with curl or wget; each file is checked against its published SHA-256). Offline, put",
            "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and",
            "t10k-labels-idx1-ubyte.gz into one directory and pass it.",
            "",
            "examples:",
            "  vae-train mlp                                   10 epochs on the CPU into ./results",
            "  vae-train cnn --device cuda --log-dir runs/cnn  on the first GPU",
            "  vae-train mlp --epochs 20 --resume results      continue the run in ./results up to 20 epochs",
            "  vae-train mlp --overwrite                       train again into ./results, deleting the old run",
            "  vae-train mlp --epochs 1 --limit-train 512 --limit-test 256   a quick smoke run",
            "",
            "Exit status: 0 after training, 1 when the run cannot go on (data, device, checkpoint, disk),",
            "2 for a bad command line or a log directory that holds another run, 130/143 after SIGINT/SIGTERM.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Private

    private static func split(_ argument: String) -> (name: String, value: String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    fileprivate static func parseArchitecture(_ text: String, flag: String) throws(ArgumentError) -> VAEConfiguration.Architecture
    {
        guard let architecture = VAEConfiguration.Architecture(rawValue: text.lowercased()) else {
            throw .invalidValue(flag: flag, value: text, expected: "mlp or cnn")
        }
        return architecture
    }
}

/// What a flag's value must look like, for help and errors.
private struct ValueName {
    let placeholder: String
    let expected: String

    static let count = ValueName(placeholder: "N", expected: "a whole number ≥ 1")
    static let workers = ValueName(placeholder: "N", expected: "a whole number in 0...64")
    static let threads = ValueName(placeholder: "N", expected: "a whole number in 1...256")
    static let rate = ValueName(placeholder: "X", expected: "a finite number > 0, e.g. 1e-3")
    static let seed = ValueName(placeholder: "N", expected: "a whole number in 0...18446744073709551615")
    static let device = ValueName(placeholder: "DEV", expected: "cpu, cuda or cuda:N (N = 0, 1, …)")
    static let directory = ValueName(placeholder: "DIR", expected: "a directory path")
    static let path = ValueName(placeholder: "PATH", expected: "a checkpoint file or a directory holding checkpoints")
    static let model = ValueName(placeholder: "TYPE", expected: "mlp or cnn")
}

/// One flag: its spellings, its value, its help line, and how it sets the arguments.
private struct Flag: Sendable {
    let name: String
    let short: String?
    let valueName: ValueName?
    let help: String
    let apply: @Sendable (inout VAETrainArguments, String) throws(ArgumentError) -> Void

    static func named(_ text: String) -> Flag? {
        all.first { $0.name == text || $0.short == text }
    }

    /// The flag within a small edit distance of `text` (a typo), if any.
    static func closest(to text: String) -> String? {
        let candidates = all.map(\.name) + ["--help"]
        let typed = text.hasPrefix("--") ? text : "--" + text.drop { $0 == "-" }
        let scored = candidates.map { ($0, editDistance(typed, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 3 else { return nil }
        return best.0
    }

    static let all: [Flag] = [
        Flag(name: "--model", short: "-t", valueName: .model, help: "the model, as the positional argument") { _, _ in },
        Flag(name: "--bottleneck", short: "-n", valueName: .count, help: "size of the latent code (default 16)") {
            arguments, text throws(ArgumentError) in
            arguments.bottleneck = try integer(text, flag: "--bottleneck", minimum: 1, .count)
        },
        Flag(name: "--lr", short: "-r", valueName: .rate, help: "Adam's learning rate (default 1e-3)") {
            arguments, text throws(ArgumentError) in
            guard let value = Float(text), value.isFinite, value > 0 else {
                throw .invalidValue(flag: "--lr", value: text, expected: ValueName.rate.expected)
            }
            arguments.learningRate = value
        },
        Flag(name: "--batch-size", short: "-b", valueName: .count, help: "examples per batch (default 128)") {
            arguments, text throws(ArgumentError) in
            arguments.batchSize = try integer(text, flag: "--batch-size", minimum: 1, .count)
        },
        Flag(
            name: "--epochs", short: "-e", valueName: .count,
            help: "total epochs; with --resume, training continues up to this\nmany (default 10)"
        ) { arguments, text throws(ArgumentError) in
            arguments.epochs = try integer(text, flag: "--epochs", minimum: 1, .count)
        },
        Flag(name: "--device", short: "-d", valueName: .device, help: "cpu, cuda (= cuda:0) or cuda:N (default cpu)") {
            arguments, text throws(ArgumentError) in
            do { arguments.device = try Device(parsing: text) } catch {
                throw .invalidValue(flag: "--device", value: text, expected: ValueName.device.expected)
            }
        },
        Flag(
            name: "--log-dir", short: "-l", valueName: .directory,
            help:
                "event files, checkpoints and PNG grids of this run (default\n./results; with --resume, the checkpoint's directory)"
        ) { arguments, text throws(ArgumentError) in
            guard !text.isEmpty else {
                throw .invalidValue(flag: "--log-dir", value: text, expected: ValueName.directory.expected)
            }
            arguments.logDirectory = text
        },
        Flag(
            name: "--seed", short: "-s", valueName: .seed,
            help: "seeds weights, noise, data order and augmentation (default 0)"
        ) { arguments, text throws(ArgumentError) in
            guard let value = UInt64(text) else {
                throw .invalidValue(flag: "--seed", value: text, expected: ValueName.seed.expected)
            }
            arguments.seed = value
        },
        Flag(
            name: "--data-dir", short: nil, valueName: .directory,
            help: "MNIST directory (default $MNIST_DIR, else ~/.cache/deeptrust/mnist)"
        ) { arguments, text throws(ArgumentError) in
            guard !text.isEmpty else {
                throw .invalidValue(flag: "--data-dir", value: text, expected: ValueName.directory.expected)
            }
            arguments.dataDirectory = text
        },
        Flag(name: "--workers", short: "-w", valueName: .workers, help: "data-loading threads, 0…64 (default 2)") {
            arguments, text throws(ArgumentError) in
            arguments.workers = try integer(text, flag: "--workers", minimum: 0, maximum: 64, .workers)
        },
        Flag(
            name: "--threads", short: nil, valueName: .threads,
            help: "CPU kernel threads, 1…256 (default: all cores, or\n$DEEPTRUST_NUM_THREADS)"
        ) { arguments, text throws(ArgumentError) in
            arguments.threads = try integer(text, flag: "--threads", minimum: 1, maximum: 256, .threads)
        },
        Flag(
            name: "--resume", short: nil, valueName: .path,
            help: "continue from a checkpoint file, or from the latest\ncheckpoint_<NNN>.safetensors in a directory"
        ) { arguments, text throws(ArgumentError) in
            guard !text.isEmpty else { throw .invalidValue(flag: "--resume", value: text, expected: ValueName.path.expected) }
            arguments.resume = text
        },
        Flag(
            name: "--overwrite", short: nil, valueName: nil,
            help:
                "delete the earlier run in the log directory first (its\ncheckpoints, event files and PNG grids; not with --resume)"
        ) { arguments, _ in
            arguments.overwrite = true
        },
        Flag(
            name: "--deterministic-eval", short: nil, valueName: nil,
            help: "evaluate with z = mu (the reference samples noise in evaluation)"
        ) { arguments, _ in
            arguments.deterministicEvaluation = true
        },
        Flag(name: "--limit-train", short: nil, valueName: .count, help: "train on the first N training examples only") {
            arguments, text throws(ArgumentError) in
            arguments.limitTrain = try integer(text, flag: "--limit-train", minimum: 1, .count)
        },
        Flag(name: "--limit-test", short: nil, valueName: .count, help: "evaluate on the first N test examples only") {
            arguments, text throws(ArgumentError) in
            arguments.limitTest = try integer(text, flag: "--limit-test", minimum: 1, .count)
        },
        Flag(name: "--no-download", short: nil, valueName: nil, help: "fail instead of downloading missing MNIST files") {
            arguments, _ in
            arguments.download = false
        },
        Flag(
            name: "--detect-anomaly", short: nil, valueName: nil,
            help:
                "stop at the first operation that produces NaN or infinity and\nname it, its input shapes and the module (slower)"
        ) { arguments, _ in
            arguments.detectAnomalies = true
        },
    ]

    private static func integer(
        _ text: String, flag: String, minimum: Int, maximum: Int = .max, _ value: ValueName
    ) throws(ArgumentError) -> Int {
        guard let number = Int(text), number >= minimum, number <= maximum else {
            throw .invalidValue(flag: flag, value: text, expected: value.expected)
        }
        return number
    }
}
