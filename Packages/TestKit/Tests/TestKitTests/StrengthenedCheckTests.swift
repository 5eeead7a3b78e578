import NN
import Optim
import Testing
import TestKit

/// The checks mutation analysis added or strengthened, each failing on a deliberately broken subject.
@Suite("Checks added for mutants that survived")
struct StrengthenedCheckTests {
    init() { SimulatedDevice.install() }

    @Test("a split with a sample missing fails sampleCount with both counts")
    func sampleMissing() throws {
        var subject = DatasetSubjects.make()
        subject.splits[1].expectation.count = 25
        let failure = try #require(expectFailure(of: DatasetCheck.sampleCount, on: subject))
        #expect(failure.message.contains("holds 24 samples, expected 25"))
        #expect(failure.location.split == "test")
    }

    @Test("a sample read twice fails sampleCount, naming both indices")
    func sampleDuplicated() throws {
        let train = SyntheticImages(
            count: 40, contentKey: DatasetSubjects.trainKey, augment: true, copies: [7: (DatasetSubjects.trainKey, 3)])
        let failure = try #require(expectFailure(of: DatasetCheck.sampleCount, on: DatasetSubjects.make(train: train)))
        #expect(failure.message.contains("sample 7 is identical to sample 3"))
        #expect(failure.location.sample == 7)
    }

    @Test("a label that is not the known one fails labelAlignment")
    func knownLabelWrong() throws {
        var subject = DatasetSubjects.make()
        let label = try #require(try subject.splits[0].dataset.example(at: 2, context: .init(seed: 0, epoch: 0, index: 2)).label)
        subject.splits[0].expectation.knownLabels = [2: (label + 1) % 3]
        let failure = try #require(expectFailure(of: DatasetCheck.labelAlignment, on: subject))
        #expect(failure.message.contains("its known label is \((label + 1) % 3)"))
        #expect(failure.location.sample == 2)
    }

    @Test("labels that differ between a split and its unaugmented view fail labelAlignment")
    func viewLabelsDiffer() throws {
        var subject = DatasetSubjects.make()
        subject.splits[0].unaugmented = SyntheticImages(count: 40, contentKey: DatasetSubjects.trainKey, classes: 2)
        let failure = try #require(expectFailure(of: DatasetCheck.labelAlignment, on: subject))
        #expect(failure.message.contains("in the unaugmented view"))
    }

    @Test("outputs beyond the declared range, or of one sign only, fail outputRange")
    func outputRange() throws {
        var tooLarge = ModelSubjects.vae(deterministicEvaluation: true)
        tooLarge.outputRange = -0.5...0.5
        let outside = try #require(expectFailure(of: ModelCheck.outputRange, on: tooLarge))
        #expect(outside.message.contains("outside the declared range -0.5...0.5"))

        var positive = ModelSubjects.vae(deterministicEvaluation: true)
        positive.outputRange = -3...3
        let oneSign = try #require(expectFailure(of: ModelCheck.outputRange, on: shifted(positive, by: 2)))
        #expect(oneSign.message.contains("one sign"))
        #expect(try ModelCheck.outputRange.run(on: ModelSubjects.classifier("logits") { MLPClassifier() }).isSkipped)
    }

    @Test("an optimiser whose zeroGrad keeps the gradients fails gradientsReset, naming a parameter")
    func gradientsAccumulate() throws {
        let subject = ModelSubject(
            name: "MLP with a non-zeroing optimiser",
            makeModel: { _, device in try MLPClassifier().moved(to: device) },
            makeBatch: ModelSubjects.features, outputShape: [3],
            loss: { output, batch in crossEntropy(output, batch.target!) },
            makeOptimizer: { model in KeepingGradients(try Adam(model.namedParameters())) })
        let failure = try #require(expectFailure(of: ModelCheck.gradientsReset, on: subject))
        #expect(failure.message.contains("zeroGrad() left parameter"))
        #expect(failure.location.parameter != nil)
    }

    @Test("a resumed run that logs at other steps fails resumeDeterminism")
    func resumedLoggingDiffers() throws {
        let subject = TrainerSubject(
            name: "tiny regression, resumed logging shifted",
            expectedEpochEvents: TinyRegressionTrainer.expectedEvents(epoch:),
            overfit: OverfitExpectation(steps: 150, maximumLoss: 1e-3)
        ) { seed in ShiftedAfterResume(TinyRegressionTrainer(seed: seed, defect: .none)) }
        let failure = try #require(expectFailure(of: TrainerCheck.resumeDeterminism, on: subject))
        #expect(failure.message.hasPrefix("after resuming, epoch 1"))
        #expect(failure.location.tag != nil)
    }

    @Test("a trainer that visits the samples in one order every epoch fails dataOrder")
    func sameOrderEveryEpoch() throws {
        expectPasses(TrainerCheck.dataOrder, on: TrainerCheckTests.subject())
        let failure = try #require(expectFailure(of: TrainerCheck.dataOrder, on: TrainerCheckTests.subject(.sameOrderEveryEpoch)))
        #expect(failure.message.contains("in the same order"))
    }

    /// `subject` with every output moved up by `offset`.
    private func shifted(_ subject: ModelSubject, by offset: Float) -> ModelSubject {
        ModelSubject(
            name: "\(subject.name) shifted", modes: subject.modes, outputRange: subject.outputRange,
            makeModel: { _, device in try TinyVAE(deterministicEvaluation: true).moved(to: device) },
            makeBatch: { size, seed in
                ModelBatch(input: Tensor.rand([size, 8], low: -1, high: 1, generator: RandomGenerator(seed: seed)))
            },
            outputShape: [8], forward: { model, input in model(input).reconstruction + offset }, loss: vaeLoss,
            makeOptimizer: { model in try Adam(model.namedParameters()) })
    }
}

/// An optimiser whose `zeroGrad()` forgets to clear the gradients.
private final class KeepingGradients: Optimizer {
    let base: any Optimizer
    init(_ base: any Optimizer) { self.base = base }
    var parameterNames: [String] { base.parameterNames }
    var learningRate: Float {
        get { base.learningRate }
        set { base.learningRate = newValue }
    }
    var stepCount: Int { base.stepCount }
    func step() throws(OptimizerError) { try base.step() }
    func zeroGrad() {}
    func state() -> OptimizerState { base.state() }
    func load(state: OptimizerState) throws(OptimizerError) { try base.load(state: state) }
}

/// A trainer that, once resumed, logs every event one step later.
private final class ShiftedAfterResume: TrainerHarness {
    let base: TinyRegressionTrainer
    var resumed = false
    init(_ base: TinyRegressionTrainer) { self.base = base }
    func trainStep() throws -> Float { try base.trainStep() }
    func trainEpoch() throws -> [LoggedEvent] {
        try base.trainEpoch().map { resumed ? LoggedEvent(tag: $0.tag, step: $0.step + 1) : $0 }
    }
    func evaluate() throws -> Float { try base.evaluate() }
    func namedParameters() -> [(name: String, value: Tensor)] { base.namedParameters() }
    func saveCheckpoint(to path: String) throws { try base.saveCheckpoint(to: path) }
    func loadCheckpoint(from path: String) throws {
        try base.loadCheckpoint(from: path)
        resumed = true
    }
}
