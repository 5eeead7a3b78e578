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
        let parsed: ParsedCommandLine
        do {
            guard case .arguments(let arguments) = try spec.parse(arguments) else { return .help }
            parsed = arguments
        } catch {
            throw ArgumentError(error)
        }
        var architecture = parsed.positional.flatMap { VAEConfiguration.Architecture(rawValue: $0.lowercased()) }
        if let model = parsed.value("--model") {
            let named = VAEConfiguration.Architecture(rawValue: model.lowercased())
            guard architecture == nil || architecture == named else { throw .unexpectedArgument(model) }
            architecture = named
        }
        guard let architecture else { throw .missingModel }
        var result = VAETrainArguments(architecture: architecture)
        for occurrence in parsed.occurrences {
            apply(occurrence.flag, occurrence.value ?? "", to: &result)
        }
        if parsed.contains("--resume") {
            for name in ["--seed", "--lr"] where parsed.contains(name) {
                throw .conflictingFlags(
                    name, "--resume",
                    reason: "a resumed run continues with the checkpoint's \(name == "--seed" ? "seed" : "learning rate")")
            }
            if parsed.contains("--overwrite") {
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
        let lines = [
            "vae-train — train a variational autoencoder on MNIST (the reference's run.py)",
            "",
            "usage: vae-train mlp|cnn [options]",
            "",
            spec.flagHelp(),
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

    /// Sets the setting of `flag` (a long name of ``spec``) to `text`, already checked by the parser.
    private static func apply(_ flag: String, _ text: String, to arguments: inout VAETrainArguments) {
        switch flag {
        case "--bottleneck": arguments.bottleneck = Int(text)!
        case "--lr": arguments.learningRate = Float(text)!
        case "--batch-size": arguments.batchSize = Int(text)!
        case "--epochs": arguments.epochs = Int(text)!
        case "--device": arguments.device = (try? Device(parsing: text)) ?? arguments.device
        case "--log-dir": arguments.logDirectory = text
        case "--seed": arguments.seed = UInt64(text)!
        case "--data-dir": arguments.dataDirectory = text
        case "--workers": arguments.workers = Int(text)!
        case "--threads": arguments.threads = Int(text)!
        case "--resume": arguments.resume = text
        case "--overwrite": arguments.overwrite = true
        case "--deterministic-eval": arguments.deterministicEvaluation = true
        case "--limit-train": arguments.limitTrain = Int(text)!
        case "--limit-test": arguments.limitTest = Int(text)!
        case "--no-download": arguments.download = false
        case "--detect-anomaly": arguments.detectAnomalies = true
        default: break  // --model, read before the others
        }
    }

    /// The flags of `vae-train` and its positional model type. Every flag may be repeated, the
    /// last one wins (`-d cuda --device=cpu` trains on the CPU).
    static let spec: CommandLineSpec = {
        let count = CommandLineValue.integer(1...Int.max)
        let model = CommandLineValue.choice(["mlp", "cnn"], caseInsensitive: true)
        let directory = "a directory path"
        func flag(
            _ name: String, _ short: String? = nil, _ value: CommandLineValue, _ placeholder: String,
            expected: String? = nil, hidden: Bool = false, _ help: String
        ) -> CommandLineFlag {
            CommandLineFlag(
                name, short: short, value: value, placeholder: placeholder, expected: expected, help: help,
                repetition: .lastWins, hidden: hidden)
        }
        func toggle(_ name: String, _ help: String) -> CommandLineFlag {
            CommandLineFlag(name, help: help, repetition: .lastWins)
        }
        return CommandLineSpec(
            flags: [
                flag("--model", "-t", model, "TYPE", hidden: true, "the model, as the positional argument"),
                flag("--bottleneck", "-n", count, "N", "size of the latent code (default 16)"),
                flag(
                    "--lr", "-r", .custom { Float($0).map { $0.isFinite && $0 > 0 } ?? false }, "X",
                    expected: "a finite number > 0, e.g. 1e-3", "Adam's learning rate (default 1e-3)"),
                flag("--batch-size", "-b", count, "N", "examples per batch (default 128)"),
                flag(
                    "--epochs", "-e", count, "N", "total epochs; with --resume, training continues up to this\nmany (default 10)"),
                flag(
                    "--device", "-d", .custom { (try? Device(parsing: $0)) != nil }, "DEV",
                    expected: "cpu, cuda or cuda:N (N = 0, 1, …)", "cpu, cuda (= cuda:0) or cuda:N (default cpu)"),
                flag(
                    "--log-dir", "-l", .text(nonEmpty: true), "DIR", expected: directory,
                    "event files, checkpoints and PNG grids of this run (default\n./results; with --resume, the checkpoint's directory)"
                ),
                flag("--seed", "-s", .unsigned, "N", "seeds weights, noise, data order and augmentation (default 0)"),
                flag(
                    "--data-dir", nil, .text(nonEmpty: true), "DIR", expected: directory,
                    "MNIST directory (default $MNIST_DIR, else ~/.cache/deeptrust/mnist)"),
                flag("--workers", "-w", .integer(0...64), "N", "data-loading threads, 0…64 (default 2)"),
                flag(
                    "--threads", nil, .integer(1...256), "N",
                    "CPU kernel threads, 1…256 (default: all cores, or\n$DEEPTRUST_NUM_THREADS)"),
                flag(
                    "--resume", nil, .text(nonEmpty: true), "PATH",
                    expected: "a checkpoint file or a directory holding checkpoints",
                    "continue from a checkpoint file, or from the latest\ncheckpoint_<NNN>.safetensors in a directory"),
                toggle(
                    "--overwrite",
                    "delete the earlier run in the log directory first (its\ncheckpoints, event files and PNG grids; not with --resume)"
                ),
                toggle("--deterministic-eval", "evaluate with z = mu (the reference samples noise in evaluation)"),
                flag("--limit-train", nil, count, "N", "train on the first N training examples only"),
                flag("--limit-test", nil, count, "N", "evaluate on the first N test examples only"),
                toggle("--no-download", "fail instead of downloading missing MNIST files"),
                toggle(
                    "--detect-anomaly",
                    "stop at the first operation that produces NaN or infinity and\nname it, its input shapes and the module (slower)"
                ),
            ],
            positional: CommandLinePositional(
                name: "the model type", placeholder: "mlp|cnn", value: model,
                help: "the model: the fully connected or the convolutional VAE (required;\nalso --model/-t)"))
    }()
}
