import Testing
import TensorCore
import Training
import TrainingChecks
import VAETrainCLI
import VAEModels

/// A run that diverges stops at the first non-finite value instead of logging NaN for hours:
/// always at a non-finite loss, and with anomaly detection at the first operation that produced
/// NaN or infinity, named with its input shapes and module. The parameters keep their last finite values.
@Suite struct NumericalFaultTests {
    /// A learning rate so large that Adam's first step (≈ lr · sign(gradient)) blows the weights up,
    /// so the second step's forward pass overflows.
    private func divergingTrainer(detectsAnomalies: Bool, writer: RecordingWriter = RecordingWriter()) throws -> VAETrainer {
        var options = TrainerFixture.options()
        options.learningRate = 1e30
        options.detectsAnomalies = detectsAnomalies
        return try TrainerFixture.trainer(options: options, writer: writer)
    }

    @Test func anomalyDetectionNamesTheFirstOpAndModuleAndKeepsTheParameters() throws {
        let trainer = try divergingTrainer(detectsAnomalies: true)
        let batch = try TrainerFixture.batch()
        try trainer.trainStep(on: batch)  // finite, but leaves weights of size ~1e30
        let before = TrainerFixture.parameterValues(trainer.model)
        do {
            try trainer.trainStep(on: batch)
            Issue.record("expected the second step to stop with a numerical anomaly")
        } catch TrainingError.numericalAnomaly(let stage, let anomaly) {
            #expect(stage == "training step 1")
            #expect(anomaly.phase == .forward)
            #expect(anomaly.nanCount + anomaly.infinityCount > 0)
            #expect(!anomaly.op.isEmpty && !anomaly.inputShapes.isEmpty)
            // A layer of the encoder with its index and type, e.g. "encoder.3 (Linear)": the
            // weights of ~1e30 overflow before the decoder runs.
            let path = try #require(anomaly.modulePath)
            #expect(path.hasPrefix("encoder.") && path.hasSuffix("(Linear)"), "\(path) — \(anomaly)")
            let message = "\(TrainingError.numericalAnomaly(stage: stage, anomaly))"
            #expect(message.contains("training step 1 stopped") && message.contains("'\(anomaly.op)'") && message.contains(path))
        }
        #expect(TrainerFixture.bitwiseEqual(TrainerFixture.parameterValues(trainer.model), before))
        #expect(trainer.globalStep == 1)
    }

    @Test func withoutAnomalyDetectionANonFiniteLossStopsTheRunUnlogged() throws {
        let writer = RecordingWriter()
        let trainer = try divergingTrainer(detectsAnomalies: false, writer: writer)
        let batch = try TrainerFixture.batch()
        try trainer.trainStep(on: batch)
        let before = TrainerFixture.parameterValues(trainer.model)
        do {
            try trainer.trainStep(on: batch)
            Issue.record("expected a non-finite loss to stop the step")
        } catch TrainingError.nonFiniteLoss(let stage, _, _, let total) {
            #expect(stage == "training step 1")
            #expect(!total.isFinite)
            let message = "\(TrainingError.nonFiniteLoss(stage: stage, reconstruction: 0, kl: 0, total: total))"
            #expect(message.contains("--detect-anomaly"))
        }
        #expect(TrainerFixture.bitwiseEqual(TrainerFixture.parameterValues(trainer.model), before))
        #expect(writer.scalars(tag: "train/loss").allSatisfy { $0.value.isFinite })
        #expect(writer.scalars(tag: "train/loss").count == 1)
    }

    @Test func anomalyDetectionChangesNothingInAHealthyRun() throws {
        let plain = try TrainerFixture.trainer()
        var options = TrainerFixture.options()
        options.detectsAnomalies = true
        let detecting = try TrainerFixture.trainer(options: options)
        let plainSummary = try plain.trainEpoch()
        let detectingSummary = try detecting.trainEpoch()
        #expect(plainSummary.meanTrainingLoss == detectingSummary.meanTrainingLoss)
        #expect(plainSummary.testLoss == detectingSummary.testLoss)
        #expect(
            TrainerFixture.bitwiseEqual(
                TrainerFixture.parameterValues(plain.model), TrainerFixture.parameterValues(detecting.model)))
    }

    @Test func theCommandLineFlagTurnsItOn() throws {
        guard case .train(let on) = try VAETrainCLI.parse(["mlp", "--detect-anomaly"]),
            case .train(let off) = try VAETrainCLI.parse(["mlp"])
        else {
            Issue.record("expected training commands")
            return
        }
        #expect(on.detectAnomalies && !off.detectAnomalies)
        #expect(VAETrainCLI.help.contains("--detect-anomaly"))
        #expect(throws: ArgumentError.unexpectedValue(flag: "--detect-anomaly", value: "yes")) {
            try VAETrainCLI.parse(["mlp", "--detect-anomaly=yes"])
        }
    }
}
