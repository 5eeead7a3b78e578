import Data
import DeepTrustSystem
import MNISTData
import MNISTDataChecks
import TensorCore
import TestKit
import TrainingChecks
import VAEModels

/// The dataset suite on real MNIST (both splits), when its files can be found.
enum DatasetSuites {
    static func run(dataDirectory: String?, record: ([CheckReport]) -> Void) {
        let directory = dataDirectory ?? environment("MNIST_DIR")
        guard let directory else {
            record(
                DatasetCheck.allCases.map {
                    CheckReport(
                        check: $0.name, subject: "MNIST", outcome: .skipped("no MNIST files: pass --data-dir or set MNIST_DIR"),
                        duration: .zero)
                })
            return
        }
        let suite: CheckSuite<DatasetCheck>
        do {
            let train = try MNIST(split: .train, directory: directory)
            let test = try MNIST(split: .test, directory: directory)
            suite = CheckSuite<DatasetCheck>(subject: MNISTSubjects.reference(name: "MNIST", train: train, test: test))
        } catch {
            record([
                CheckReport(
                    check: "dataset.load", subject: "MNIST in \(directory)",
                    outcome: .failed(CheckFailure("cannot load MNIST: \(error)")), duration: .zero)
            ])
            return
        }
        DLCheckRunner.runEach(suite, record)
    }

    private static func environment(_ name: String) -> String? {
        guard let text = environmentVariable(name) else { return nil }
        return text.isEmpty ? nil : text
    }
}

/// The trainer suite on the VAE trainer: the reference's overfit test (4 samples, batch 4,
/// CNNVAE at bottleneck 10, 500 steps, evaluation ≤ 30) and the other trainer checks, on images
/// drawn deterministically (no data files needed).
enum TrainerSuites {
    static func suite(device: Device) -> CheckSuite<TrainerCheck> {
        let subject = TrainingSubjects.vaeTrainer(
            name: "VAETrainer (CNN VAE, d=10, 4 samples, batch 4, \(device))",
            configuration: VAEConfiguration(architecture: .cnn, bottleneck: 10),
            dataset: StrokeImages(count: 4), batchSize: 4,
            overfit: OverfitExpectation(steps: 500, maximumLoss: 30), device: device)
        return CheckSuite<TrainerCheck>(subject: subject)
    }
}

/// The distributed suite on the VAE trainer: 2 and 3 ranks as threads of this process (CPU),
/// MLP VAE at bottleneck 4, 12 stroke images, global batch 4 (three steps per epoch).
enum DistributedSuites {
    static func suite() -> CheckSuite<DistributedCheck> {
        CheckSuite<DistributedCheck>(
            subject: TrainingSubjects.vaeDataParallel(
                name: "VAETrainer data-parallel (MLP VAE, d=4, 12 samples, global batch 4, cpu)",
                configuration: VAEConfiguration(architecture: .mlp, bottleneck: 4), dataset: StrokeImages(count: 12),
                batchSize: 4))
    }
}

/// 1×32×32 images in [-1, 1] of a few bright strokes, a pure function of the index.
struct StrokeImages: Dataset {
    let count: Int

    func example(at index: Int, context: SampleContext) throws -> Example {
        var random = PhiloxStream(key: PhiloxKey(seed: 0x5712_0CE5, stream: UInt64(index)))
        var pixels = [Float](repeating: -1, count: 32 * 32)
        for _ in 0..<3 {
            let x0 = random.nextUniform(in: 8, 24), y0 = random.nextUniform(in: 8, 24)
            let x1 = random.nextUniform(in: 8, 24), y1 = random.nextUniform(in: 8, 24)
            for t in stride(from: Float(0), through: 1, by: 0.02) {
                let x = Int(x0 + (x1 - x0) * t), y = Int(y0 + (y1 - y0) * t)
                for yy in max(0, y - 1)...min(31, y + 1) {
                    for xx in max(0, x - 1)...min(31, x + 1) { pixels[yy * 32 + xx] = 1 }
                }
            }
        }
        return Example(input: Tensor(shape: [1, 32, 32], scalars: pixels), label: index % 10)
    }
}
