import DeepTrustSystem

/// Reports training progress as text: a live line per epoch on a terminal, plain periodic lines
/// otherwise (logs, pipes, CI), one line per finished epoch, and a final summary.
///
/// Lines show the epoch (1-based, of the epochs planned by ``VAETrainer/train(epochs:)``), the
/// step within the epoch, the mean training loss per example so far, examples per second and the
/// time left in the epoch:
/// ```text
/// epoch 3/10  step 120/469  loss 41.23/example  1180 examples/s  ETA 0:29
/// epoch 3/10 done: train loss 40.87/example, test loss 39.95, 51.2 s (1172 examples/s) + 3.1 s evaluation
/// ```
/// Output goes to a closure, so tests can capture it; ``standardOutput(liveRefresh:periodicInterval:)``
/// picks the style by whether standard output is a terminal. A reporter is used from one thread.
public final class ProgressReporter {
    /// How progress within an epoch is shown.
    public enum Style: Sendable, Equatable {
        /// One line rewritten in place (carriage return and erase-line), at most every `refresh`;
        /// it is ended with a newline when the epoch finishes.
        case live(refresh: Duration)
        /// A complete line at most every `interval` (the first after one interval).
        case periodic(interval: Duration)
    }

    /// How progress within an epoch is shown, fixed when the reporter is made.
    public let style: Style
    private let output: (String) -> Void
    private let now: () -> Duration

    private var plannedEpochs: (first: Int, count: Int)?
    private var epochStart = Duration.zero
    private var lastLine = Duration.zero
    private var lineIsOpen = false
    private var examples = 0
    private var lossSum = 0.0

    /// A reporter writing complete text (lines end with `"\n"`; live updates start with `"\r"`) to `output`.
    /// - Parameter now: a monotonic clock (any origin); defaults to the continuous clock.
    public init(style: Style, now: (() -> Duration)? = nil, output: @escaping (String) -> Void) {
        self.style = style
        self.output = output
        if let now {
            self.now = now
        } else {
            let origin = ContinuousClock.now
            self.now = { ContinuousClock.now - origin }
        }
    }

    /// A reporter on standard output: ``Style/live(refresh:)`` when it is a terminal, else
    /// ``Style/periodic(interval:)``.
    public static func standardOutput(
        liveRefresh: Duration = .milliseconds(250),
        periodicInterval: Duration = .seconds(30)
    ) -> ProgressReporter {
        let style: Style = isatty(STDOUT_FILENO) == 1 ? .live(refresh: liveRefresh) : .periodic(interval: periodicInterval)
        return ProgressReporter(style: style, output: writeToStandardOutput)
    }

    // MARK: - Events (called by the trainer)

    /// `epochs` epochs starting at the 0-based epoch `firstEpoch` are about to be trained.
    public func trainingStarted(firstEpoch: Int, epochs: Int, stepsPerEpoch: Int, samplesPerEpoch: Int) {
        plannedEpochs = (firstEpoch, epochs)
    }

    /// Epoch `epoch` (0-based) starts with `steps` steps over `samples` examples.
    public func epochStarted(epoch: Int, steps: Int, samples: Int) {
        epochStart = now()
        lastLine = epochStart
        examples = 0
        lossSum = 0
        if case .live = style { emitLive(epoch: epoch, step: 0, of: steps) }
    }

    /// Step `step` (1-based) of `steps` in epoch `epoch` finished with `losses`.
    public func stepFinished(epoch: Int, step: Int, of steps: Int, losses: StepLosses) {
        examples += losses.samples
        lossSum += Double(losses.total)
        let time = now()
        switch style {
        case .live(let refresh):
            if time - lastLine >= refresh || step == steps {
                lastLine = time
                emitLive(epoch: epoch, step: step, of: steps)
            }
        case .periodic(let interval):
            if time - lastLine >= interval && step < steps {
                lastLine = time
                output(statusLine(epoch: epoch, step: step, of: steps) + "\n")
            }
        }
    }

    /// The epoch of `summary` finished (evaluation included).
    public func epochFinished(_ summary: EpochSummary) {
        if lineIsOpen {
            output("\n")
            lineIsOpen = false
        }
        output(
            "\(epochLabel(summary.epoch)) done: train loss \(Self.fixed(summary.meanTrainingLoss, 2))/example, "
                + "test loss \(Self.fixed(Double(summary.testLoss), 2)), \(Self.fixed(summary.trainingSeconds, 1)) s "
                + "(\(Self.fixed(summary.samplesPerSecond, 0)) examples/s) + \(Self.fixed(summary.evaluationSeconds, 1)) s evaluation\n"
        )
    }

    /// Training ended after the epochs of `summaries`: prints totals and the test loss curve.
    public func trainingFinished(_ summaries: [EpochSummary]) {
        plannedEpochs = nil
        guard let first = summaries.first, let last = summaries.last else {
            output("no epoch trained\n")
            return
        }
        let steps = summaries.reduce(0) { $0 + $1.steps }
        let samples = summaries.reduce(0) { $0 + $1.samples }
        let training = summaries.reduce(0) { $0 + $1.trainingSeconds }
        let total = summaries.reduce(0) { $0 + $1.trainingSeconds + $1.evaluationSeconds }
        let range = first.epoch == last.epoch ? "epoch \(first.epoch + 1)" : "epochs \(first.epoch + 1)–\(last.epoch + 1)"
        output(
            "trained \(range): \(steps) steps, \(samples) examples in \(Self.clock(total)) "
                + "(\(Self.fixed(training > 0 ? Double(samples) / training : 0, 0)) examples/s while training)\n")
        let curve = summaries.map { "\($0.epoch + 1): \(Self.fixed(Double($0.testLoss), 2))" }.joined(separator: ", ")
        let best = summaries.min { $0.testLoss < $1.testLoss }!
        output("test loss by epoch: \(curve); best \(Self.fixed(Double(best.testLoss), 2)) after epoch \(best.epoch + 1)\n")
    }

    // MARK: - Formatting

    private func emitLive(epoch: Int, step: Int, of steps: Int) {
        output("\r\u{1B}[2K" + statusLine(epoch: epoch, step: step, of: steps))
        lineIsOpen = true
    }

    private func statusLine(epoch: Int, step: Int, of steps: Int) -> String {
        let elapsed = Self.seconds(now() - epochStart)
        var parts = ["\(epochLabel(epoch))", "step \(step)/\(steps)"]
        parts.append(examples > 0 ? "loss \(Self.fixed(lossSum / Double(examples), 2))/example" : "loss –")
        if step > 0 && elapsed > 0 {
            parts.append("\(Self.fixed(Double(examples) / elapsed, 0)) examples/s")
            parts.append("ETA \(Self.clock(elapsed / Double(step) * Double(steps - step)))")
        }
        return parts.joined(separator: "  ")
    }

    private func epochLabel(_ epoch: Int) -> String {
        if let plan = plannedEpochs, plan.count > 0 {
            return "epoch \(epoch + 1)/\(plan.first + plan.count)"
        }
        return "epoch \(epoch + 1)"
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// `m:ss`, or `h:mm:ss` from one hour.
    static func clock(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds.rounded())) : 0
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
    }

    /// `value` with `digits` decimals (no Foundation formatter; rounding half away from zero).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return "\(value)" }
        let integer = Int(scaled)
        let whole = integer / Int(scale), fraction = integer % Int(scale)
        var text = "\(whole)"
        if digits > 0 {
            let fractionText = "\(fraction)"
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return (value < 0 && scaled > 0 ? "-" : "") + text
    }
}

/// Writes `text` to file descriptor 1 unbuffered (the live line must appear at once).
private func writeToStandardOutput(_ text: String) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(STDOUT_FILENO, $0.baseAddress! + done, $0.count - done) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        done += written
    }
}
