import TensorCore
import Testing
import VAEModels
import VAETrainCLI

/// `vae-train`'s command line: defaults, every flag, and errors that name the flag.
@Suite struct VAETrainCLITests {
    private func arguments(_ line: String) throws -> VAETrainArguments {
        let command = try VAETrainCLI.parse(line.split(separator: " ").map(String.init))
        guard case .train(let arguments) = command else {
            Issue.record("expected a training command for '\(line)', got \(command)")
            return VAETrainArguments(architecture: .mlp)
        }
        return arguments
    }

    private func error(_ line: String) -> ArgumentError? {
        do {
            _ = try VAETrainCLI.parse(line.split(separator: " ").map(String.init))
            Issue.record("'\(line)' was accepted")
            return nil
        } catch {
            return error
        }
    }

    @Test func theModelTypeAloneGivesTheReferenceDefaults() throws {
        let parsed = try arguments("cnn")
        var expected = VAETrainArguments(architecture: .cnn)
        expected.bottleneck = 16
        expected.learningRate = 1e-3
        expected.batchSize = 128
        expected.epochs = 10
        expected.device = .cpu
        expected.logDirectory = nil
        expected.overwrite = false
        expected.workers = 2
        #expect(parsed == expected)
        #expect(parsed.configuration == VAEConfiguration(architecture: .cnn, inputShape: [1, 32, 32], bottleneck: 16))
        #expect(try arguments("--model mlp").architecture == .mlp)
        #expect(try arguments("-t MLP").architecture == .mlp)
    }

    @Test func everyFlagSetsItsSetting() throws {
        let parsed = try arguments(
            "mlp --bottleneck 10 --lr 5e-4 --batch-size 64 --epochs 3 --device cuda:1 --log-dir runs/a "
                + "--seed 42 --data-dir /data/mnist --workers 0 --threads 1 "
                + "--deterministic-eval --limit-train 512 --limit-test 256 --no-download --overwrite")
        #expect(parsed.bottleneck == 10)
        #expect(parsed.learningRate == 5e-4)
        #expect(parsed.batchSize == 64)
        #expect(parsed.epochs == 3)
        #expect(parsed.device == .cuda(1))
        #expect(parsed.logDirectory == "runs/a")
        #expect(parsed.seed == 42)
        #expect(parsed.dataDirectory == "/data/mnist")
        #expect(parsed.workers == 0)
        #expect(parsed.threads == 1)
        #expect(parsed.overwrite)
        #expect(try arguments("mlp --resume runs/a --epochs 3").resume == "runs/a")
        #expect(parsed.deterministicEvaluation)
        #expect(parsed.limitTrain == 512 && parsed.limitTest == 256)
        #expect(!parsed.download)
    }

    @Test func shortFormsAndEqualsSignsWork() throws {
        let parsed = try arguments("cnn -n 8 -r 0.01 -b 32 -e 2 -d cuda -l out --seed=7 --device=cpu")
        #expect(parsed.bottleneck == 8 && parsed.learningRate == 0.01 && parsed.batchSize == 32 && parsed.epochs == 2)
        #expect(parsed.logDirectory == "out" && parsed.seed == 7)
        #expect(parsed.device == .cpu)  // the last setting wins
    }

    @Test func helpIsRecognisedAnywhereAndExplainsEveryFlag() throws {
        #expect(try VAETrainCLI.parse(["--help"]) == .help)
        #expect(try VAETrainCLI.parse(["mlp", "-h"]) == .help)
        let help = VAETrainCLI.help
        for flag in [
            "--bottleneck", "--lr", "--batch-size", "--epochs", "--device", "--log-dir", "--seed", "--data-dir",
            "--workers", "--threads", "--resume", "--deterministic-eval", "--limit-train", "--limit-test", "--no-download",
            "--overwrite",
        ] {
            #expect(help.contains("\(flag) ") || help.contains("\(flag)\n"), "\(flag) is not explained")
        }
        #expect(help.contains("MNIST_DIR"))
        // Names as they are written: 0-based epochs in three digits.
        #expect(!help.contains("checkpoint_<epoch>") && help.contains("checkpoint_<NNN>.safetensors"))
        #expect(help.contains("NNN is the 0-based epoch (000 after the"))
        #expect(help.contains("--seed and --lr are refused"))
        #expect(help.contains("A log directory belongs to one run"))
    }

    @Test func badValuesNameTheFlagAndWhatItAccepts() {
        #expect(
            error("mlp --device tpu")
                == .invalidValue(flag: "--device", value: "tpu", expected: "cpu, cuda or cuda:N (N = 0, 1, …)"))
        #expect(error("mlp --batch-size 0") == .invalidValue(flag: "--batch-size", value: "0", expected: "a whole number ≥ 1"))
        #expect(error("mlp --epochs ten") == .invalidValue(flag: "--epochs", value: "ten", expected: "a whole number ≥ 1"))
        #expect(error("mlp --lr -1") == .invalidValue(flag: "--lr", value: "-1", expected: "a finite number > 0, e.g. 1e-3"))
        #expect(error("mlp --lr nan") == .invalidValue(flag: "--lr", value: "nan", expected: "a finite number > 0, e.g. 1e-3"))
        #expect(
            error("mlp --seed -3")?.description
                == "invalid value '-3' for --seed: expected a whole number in 0...18446744073709551615")
        #expect(error("rnn") == .invalidValue(flag: "the model type", value: "rnn", expected: "mlp or cnn"))
        #expect(error("--model gan") == .invalidValue(flag: "--model", value: "gan", expected: "mlp or cnn"))
        #expect(error("mlp --workers -1") == .invalidValue(flag: "--workers", value: "-1", expected: "a whole number in 0...64"))
        #expect(
            error("mlp --workers 1000") == .invalidValue(flag: "--workers", value: "1000", expected: "a whole number in 0...64"))
        #expect(
            error("mlp --threads 1000") == .invalidValue(flag: "--threads", value: "1000", expected: "a whole number in 1...256"))
    }

    /// A flag that takes a value does not swallow the next option; such a value needs `--flag=value`.
    @Test func aFlagDoesNotTakeTheNextOptionAsItsValue() throws {
        #expect(
            error("mlp --log-dir --deterministic-eval")
                == .optionInsteadOfValue(flag: "--log-dir", expected: "a directory path", found: "--deterministic-eval"))
        #expect(
            error("mlp --data-dir --no-download")
                == .optionInsteadOfValue(flag: "--data-dir", expected: "a directory path", found: "--no-download"))
        let epochs = try #require(error("mlp --epochs --seed 3"))
        #expect(epochs == .optionInsteadOfValue(flag: "--epochs", expected: "a whole number ≥ 1", found: "--seed"))
        #expect(epochs.description.hasPrefix("--epochs needs a value"))
        #expect(
            error("mlp --resume -e 3")
                == .optionInsteadOfValue(
                    flag: "--resume", expected: "a checkpoint file or a directory holding checkpoints", found: "-e"))
        #expect(try arguments("mlp --log-dir=--deterministic-eval").logDirectory == "--deterministic-eval")
    }

    /// With --resume, the seed and learning rate come from the checkpoint: giving them is refused.
    @Test func seedAndLearningRateAreRefusedWithResume() {
        #expect(
            error("mlp --resume runs/a --seed 3")
                == .conflictingFlags("--seed", "--resume", reason: "a resumed run continues with the checkpoint's seed"))
        #expect(
            error("mlp --lr 0.1 --resume runs/a")
                == .conflictingFlags("--lr", "--resume", reason: "a resumed run continues with the checkpoint's learning rate"))
        #expect(
            error("mlp --resume runs/a --overwrite")?.description.hasPrefix("--overwrite cannot be given with --resume") == true)
    }

    /// Sizes no memory can hold are refused while the flags are checked, before any allocation.
    @Test func impossibleSizesAreRefusedBeforeAnyAllocation() throws {
        let bottleneck = try #require(error("mlp --bottleneck 100000000"))
        guard case .infeasible(flag: "--bottleneck", value: "100000000", let reason) = bottleneck else {
            Issue.record("expected --bottleneck to be refused as infeasible, got \(bottleneck)")
            return
        }
        #expect(reason.contains("GiB of memory") && reason.contains("more than this machine has"), "\(reason)")
        // The reference sizes are far below any machine's memory.
        #expect(VAETrainCLI.estimatedMemory(for: try arguments("cnn")) < 1e9)
        var huge = VAETrainArguments(architecture: .mlp)
        huge.bottleneck = 100_000_000
        #expect(VAETrainCLI.estimatedMemory(for: huge) > 5e11)
    }

    @Test func structuralMistakesAreExplained() {
        #expect(error("--epochs 3") == .missingModel)
        #expect(error("mlp --batchsize 3") == .unknownFlag("--batchsize", suggestion: "--batch-size"))
        #expect(error("mlp --frobnicate 3") == .unknownFlag("--frobnicate", suggestion: nil))
        #expect(error("mlp --epochs") == .missingValue(flag: "--epochs", expected: "a whole number ≥ 1"))
        #expect(error("mlp cnn") == .unexpectedArgument("cnn"))
        #expect(error("mlp --model cnn") == .unexpectedArgument("cnn"))
        #expect(error("mlp --deterministic-eval=yes") == .unexpectedValue(flag: "--deterministic-eval", value: "yes"))
        #expect(
            ArgumentError.unknownFlag("--batchsize", suggestion: "--batch-size").description
                == "unknown option '--batchsize' (did you mean '--batch-size'?); see vae-train --help")
    }
}
