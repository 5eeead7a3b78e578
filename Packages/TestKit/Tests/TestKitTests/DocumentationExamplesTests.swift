import Data
import NN
import Optim
import TestKit
import TestKitTesting
import TestKitXCTest
import Testing
import XCTest

// The examples of TestKit.docc/AdoptingTheSuites.md (and TestKit's row of README.md),
// line for line; the trainer example is mirrored in Training's tests, where VAETrainer lives.

// MARK: - The model suite

let regressorSubject = ModelSubject(
    name: "MLP regressor",
    makeModel: { seed, device in
        let generator = RandomGenerator(seed: seed)
        return try Sequential(
            Linear(4, 8, generator: generator), ReLU(),
            Linear(8, 2, generator: generator)
        ).moved(to: device)
    },
    makeBatch: { size, seed in
        let generator = RandomGenerator(seed: seed)
        return ModelBatch(
            input: Tensor.randn([size, 4], generator: generator),
            target: Tensor.randn([size, 2], generator: generator))
    },
    outputShape: [2],
    loss: { output, batch in mseLoss(output, batch.target!) },
    makeOptimizer: { model in try Adam(model.namedParameters()) })

@Test(arguments: ModelCheck.allCases)
func regressor(_ check: ModelCheck) throws {
    try check.verify(on: regressorSubject)
}

// MARK: - The dataset suite

struct NoisyPoints: Dataset {
    let count: Int
    let offset: Float  // keeps the splits apart
    let jitter: Float  // augmentation strength (0: none)

    func example(at index: Int, context: SampleContext) throws -> Example {
        var random = context.random
        let base = Float(index) / Float(count) - 0.5 + offset
        let noise = jitter > 0 ? random.nextUniform(in: -jitter, jitter) : 0
        return Example(input: Tensor([base + noise, -base]), label: index % 2)
    }
}

let pointsSubject = DatasetSubject(
    name: "NoisyPoints",
    splits: [
        DatasetSplit(
            "train", NoisyPoints(count: 40, offset: 0, jitter: 0.01),
            expecting: SplitExpectation(sampleShape: [2], valueRange: -1...1, augmented: true, classes: 2),
            unaugmented: NoisyPoints(count: 40, offset: 0, jitter: 0)),
        DatasetSplit(
            "test", NoisyPoints(count: 20, offset: 0.01, jitter: 0),
            expecting: SplitExpectation(sampleShape: [2], valueRange: -1...1, augmented: false, classes: 2)),
    ])

@Test(arguments: DatasetCheck.allCases, ["train", "test"])
func points(_ check: DatasetCheck, split: String) throws {
    try check.verify(on: pointsSubject.focused(on: split))
}

// MARK: - A loss against its definition

let klSubject = KLDivergenceSubject(name: "my KL") { mu, logSigma in
    ((2 * logSigma).exp() + mu * mu - 1 - 2 * logSigma).sum() * 0.5
}

@Test(arguments: KLDivergenceCheck.allCases)
func kl(_ check: KLDivergenceCheck) throws {
    try check.verify(on: klSubject)
}

// MARK: - XCTest and command-line tools

final class RegressorTests: XCTestCase {
    func testModelSuite() { assertPasses(CheckSuite<ModelCheck>(subject: regressorSubject)) }
}

@Test func commandLineReports() {
    var lines: [String] = []
    for report in CheckSuite<ModelCheck>(subject: regressorSubject).run() {
        lines.append("\(report)")
    }
    #expect(lines.count == ModelCheck.allCases.count)
    #expect(lines.first?.hasPrefix("model.outputShape on MLP regressor: passed — ") == true)
}

// MARK: - When a check does not apply

@Test func declaredSkip() throws {
    var subject = regressorSubject
    subject.skipped[.deviceMoving] = "this model is CPU-only by design"
    #expect(try ModelCheck.deviceMoving.run(on: subject) == .skipped("this model is CPU-only by design"))
}
