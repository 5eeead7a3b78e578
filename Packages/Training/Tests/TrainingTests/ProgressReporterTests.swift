import Synchronization
import Testing
import Training

/// Progress text with a manual clock and captured output.
@Suite struct ProgressReporterTests {
    /// A clock the test advances by hand, and the text written so far.
    final class Capture: Sendable {
        private let state = Mutex<(time: Duration, text: [String])>((.zero, []))
        var now: Duration { state.withLock { $0.time } }
        var text: [String] { state.withLock { $0.text } }
        func advance(_ duration: Duration) { state.withLock { $0.time += duration } }
        func write(_ text: String) { state.withLock { $0.text.append(text) } }
    }

    private func reporter(_ style: ProgressReporter.Style, _ capture: Capture) -> ProgressReporter {
        ProgressReporter(style: style, now: { capture.now }, output: { capture.write($0) })
    }

    private let step = StepLosses(reconstruction: 300, kl: 20, total: 320, samples: 8)

    private func summary(epoch: Int, testLoss: Float) -> EpochSummary {
        EpochSummary(
            epoch: epoch, steps: 4, samples: 32, meanTrainingLoss: 40, testLoss: testLoss,
            trainingSeconds: 8, evaluationSeconds: 0.5)
    }

    @Test func aTerminalGetsOneLiveLinePerEpochRewrittenInPlace() {
        let capture = Capture()
        let progress = reporter(.live(refresh: .seconds(1)), capture)
        progress.trainingStarted(firstEpoch: 0, epochs: 2, stepsPerEpoch: 4, samplesPerEpoch: 32)
        progress.epochStarted(epoch: 0, steps: 4, samples: 32)
        for index in 1...4 {
            capture.advance(.milliseconds(600))
            progress.stepFinished(epoch: 0, step: index, of: 4, losses: step)
        }
        progress.epochFinished(summary(epoch: 0, testLoss: 38.5))

        let text = capture.text
        #expect(text.first == "\r\u{1B}[2Kepoch 1/2  step 0/4  loss –")
        // Refreshed at most once a second, and always at the last step.
        let updates = text.filter { $0.hasPrefix("\r") }
        #expect(updates.count == 3)
        #expect(updates[1].contains("step 2/4"))
        #expect(updates[1].contains("loss 40.00/example"))
        #expect(updates[1].contains("13 examples/s"))
        #expect(updates[1].contains("ETA 0:01"))
        #expect(updates.last!.contains("step 4/4"))
        #expect(text.suffix(2).first == "\n")
        #expect(
            text.last == "epoch 1/2 done: train loss 40.00/example, test loss 38.50, 8.0 s (4 examples/s) + 0.5 s evaluation\n")
    }

    @Test func withoutATerminalPlainLinesComePeriodically() {
        let capture = Capture()
        let progress = reporter(.periodic(interval: .seconds(10)), capture)
        progress.epochStarted(epoch: 4, steps: 10, samples: 80)
        for index in 1...10 {
            capture.advance(.seconds(4))
            progress.stepFinished(epoch: 4, step: index, of: 10, losses: step)
        }
        let lines = capture.text
        #expect(lines.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") })
        // Lines at 12 s (step 3), 24 s (step 6) and 36 s (step 9); the epoch's end has its own line.
        #expect(
            lines.map { $0.split(separator: " ").prefix(4).joined(separator: " ") }
                == ["epoch 5 step 3/10", "epoch 5 step 6/10", "epoch 5 step 9/10"])
        #expect(lines[1] == "epoch 5  step 6/10  loss 40.00/example  2 examples/s  ETA 0:16\n")
    }

    @Test func theFinalSummaryGivesTotalsAndTheTestLossCurve() {
        let capture = Capture()
        let progress = reporter(.periodic(interval: .seconds(10)), capture)
        progress.trainingFinished([
            summary(epoch: 2, testLoss: 41.256), summary(epoch: 3, testLoss: 39.5), summary(epoch: 4, testLoss: 40),
        ])
        #expect(
            capture.text == [
                "trained epochs 3–5: 12 steps, 96 examples in 0:26 (4 examples/s while training)\n",
                "test loss by epoch: 3: 41.26, 4: 39.50, 5: 40.00; best 39.50 after epoch 4\n",
            ])
    }

    @Test func theTrainerReportsEveryStepAndEpoch() throws {
        let capture = Capture()
        let trainer = try TrainerFixture.trainer()
        trainer.progress = reporter(.periodic(interval: .zero), capture)
        try trainer.train(epochs: 2)
        let lines = capture.text
        // Zero interval: a line after every step but the last of each epoch, an end-of-epoch line, the summary.
        #expect(lines.filter { $0.contains("step ") }.count == 4)
        #expect(lines.filter { $0.contains(" done: ") }.map { String($0.prefix(14)) } == ["epoch 1/2 done", "epoch 2/2 done"])
        #expect(lines.last?.hasPrefix("test loss by epoch: 1: ") == true)
    }
}
