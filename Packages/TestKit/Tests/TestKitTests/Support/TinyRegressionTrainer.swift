import Foundation
import TensorCore
import TestKit

/// A complete little trainer in plain Swift — linear regression on 4 samples, SGD with momentum,
/// shuffled batches of 2 (two steps per epoch), `train/loss` per step and `test/loss` per epoch,
/// text checkpoints — with switchable defects, for testing the trainer checks.
final class TinyRegressionTrainer: TrainerHarness {
    enum Defect: Sendable, Equatable {
        case none
        /// Logs `train/los` instead of `train/loss`.
        case tagTypo
        /// The global step restarts at 0 every epoch.
        case stepCounterRestarts
        /// The checkpoint stores the bias as zero.
        case checkpointDropsBias
        /// The checkpoint does not hold the momentum buffers.
        case checkpointWithoutMomentum
        /// The checkpoint does not hold the seed (a resumed run shuffles with its own seed).
        case checkpointWithoutSeed
        /// Evaluation takes a gradient step.
        case evaluationTrains
        /// Evaluation adds fresh noise.
        case noisyEvaluation
        /// The learning rate is zero: nothing is learnt.
        case frozen
        /// Every epoch visits the samples in epoch 0's order (the shuffle is not keyed by the epoch).
        case sameOrderEveryEpoch
    }

    /// The samples each `trainEpoch()` visited, in order.
    private(set) var samplesVisited: [[Int]]? = []
    private var currentEpochSamples: [Int] = []

    static let inputs: [[Float]] = [[1, 0, 2], [0, 1, -1], [2, 1, 0], [-1, 2, 1]]
    static let targets: [Float] = inputs.map { 0.5 * $0[0] - 1.5 * $0[1] + 0.25 * $0[2] + 0.75 }

    let defect: Defect
    private(set) var seed: UInt64
    private var weights: [Float]
    private var bias: Float
    private var weightVelocity: [Float] = [0, 0, 0]
    private var biasVelocity: Float = 0
    private var epoch = 0
    private var stepInEpoch = 0
    private var globalStep = 0
    private var events: [LoggedEvent] = []
    private var evaluations = 0
    private let learningRate: Float
    private let momentum: Float = 0.9

    init(seed: UInt64, defect: Defect = .none) {
        self.seed = seed
        self.defect = defect
        learningRate = defect == .frozen ? 0 : 0.05
        var stream = PhiloxStream(key: PhiloxKey(seed: seed, stream: 99))
        weights = (0..<3).map { _ in stream.nextUniform(in: -1, 1) }
        bias = stream.nextUniform(in: -1, 1)
    }

    /// What every epoch must log.
    static func expectedEvents(epoch: Int) -> [LoggedEvent] {
        [
            LoggedEvent(tag: "train/loss", step: 2 * epoch), LoggedEvent(tag: "train/loss", step: 2 * epoch + 1),
            LoggedEvent(tag: "test/loss", step: epoch),
        ]
    }

    private func order(epoch: Int) -> [Int] {
        var stream = PhiloxStream(key: PhiloxKey(seed: seed, stream: UInt64(epoch)))
        var order = [0, 1, 2, 3]
        for i in stride(from: 3, to: 0, by: -1) { order.swapAt(i, stream.nextInt(below: i + 1)) }
        return order
    }

    private func prediction(_ x: [Float]) -> Float { zip(weights, x).reduce(bias) { $0 + $1.0 * $1.1 } }

    private func gradientStep(on samples: [Int]) -> Float {
        var gw: [Float] = [0, 0, 0], gb: Float = 0, loss: Float = 0
        for i in samples {
            let error = prediction(Self.inputs[i]) - Self.targets[i]
            loss += error * error / Float(samples.count)
            for d in 0..<3 { gw[d] += 2 * error * Self.inputs[i][d] / Float(samples.count) }
            gb += 2 * error / Float(samples.count)
        }
        for d in 0..<3 {
            weightVelocity[d] = momentum * weightVelocity[d] + gw[d]
            weights[d] -= learningRate * weightVelocity[d]
        }
        biasVelocity = momentum * biasVelocity + gb
        bias -= learningRate * biasVelocity
        return loss
    }

    func trainStep() throws -> Float {
        let batch = Array(order(epoch: defect == .sameOrderEveryEpoch ? 0 : epoch)[(2 * stepInEpoch)..<(2 * stepInEpoch + 2)])
        if stepInEpoch == 0 { currentEpochSamples = [] }
        currentEpochSamples += batch
        let loss = gradientStep(on: batch)
        events.append(LoggedEvent(tag: defect == .tagTypo ? "train/los" : "train/loss", step: globalStep))
        globalStep += 1
        stepInEpoch += 1
        if stepInEpoch == 2 {
            events.append(LoggedEvent(tag: "test/loss", step: epoch))
            stepInEpoch = 0
            epoch += 1
            if defect == .stepCounterRestarts { globalStep = 0 }
        }
        return loss
    }

    func trainEpoch() throws -> [LoggedEvent] {
        events = []
        let current = epoch
        while epoch == current { _ = try trainStep() }
        samplesVisited?.append(currentEpochSamples)
        return events
    }

    func evaluate() throws -> Float {
        evaluations += 1
        if defect == .evaluationTrains { _ = gradientStep(on: [0, 1, 2, 3]) }
        let mse = (0..<4).reduce(Float(0)) { sum, i in
            let e = prediction(Self.inputs[i]) - Self.targets[i]
            return sum + e * e / 4
        }
        return defect == .noisyEvaluation ? mse + Float(evaluations) * 1e-3 : mse
    }

    func namedParameters() -> [(name: String, value: Tensor)] {
        [("linear.weight", Tensor(shape: [1, 3], scalars: weights)), ("linear.bias", Tensor(shape: [1], scalars: [bias]))]
    }

    func saveCheckpoint(to path: String) throws {
        let momentumValues = defect == .checkpointWithoutMomentum ? [0, 0, 0, 0] : weightVelocity + [biasVelocity]
        let savedBias = defect == .checkpointDropsBias ? 0 : bias
        let floats = (weights + [savedBias] + momentumValues).map { String($0.bitPattern) }
        let integers = [epoch, stepInEpoch, globalStep].map(String.init)
        let seedText = defect == .checkpointWithoutSeed ? "-" : String(seed)
        try (floats + integers + [seedText]).joined(separator: " ").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func loadCheckpoint(from path: String) throws {
        let fields = try String(contentsOfFile: path, encoding: .utf8).split(separator: " ").map(String.init)
        guard fields.count == 12 else { throw CocoaError(.fileReadCorruptFile) }
        let floats = fields[0..<8].map { Float(bitPattern: UInt32($0)!) }
        weights = Array(floats[0..<3]); bias = floats[3]
        weightVelocity = Array(floats[4..<7]); biasVelocity = floats[7]
        epoch = Int(fields[8])!; stepInEpoch = Int(fields[9])!; globalStep = Int(fields[10])!
        if let saved = UInt64(fields[11]) { seed = saved }
    }
}
