import NN
import Optim
import TestKit

// Small user-style models built from NN layers: correct ones and ones with one deliberate bug each.

/// A 2-layer MLP classifier: 8 features → 16 hidden (ReLU) → 3 classes, optionally with BatchNorm or dropout.
final class MLPClassifier: Layer {
    enum Variant: Sendable { case plain, batchNorm, dropout }
    let body: Sequential

    init(variant: Variant = .plain) {
        switch variant {
        case .plain: body = Sequential([Linear(8, 16), ReLU(), Linear(16, 3)])
        case .batchNorm: body = Sequential([Linear(8, 16), BatchNorm1d(16), ReLU(), Linear(16, 3)])
        case .dropout: body = Sequential([Linear(8, 16), ReLU(), Dropout(probability: 0.5), Linear(16, 3)])
        }
    }
    init(body: Sequential) { self.body = body }

    func callAsFunction(_ input: Tensor) -> Tensor { body(input) }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> MLPClassifier { MLPClassifier(body: try clone(body)) }
}

/// Mean cross-entropy of logits `[batch, classes]` against integer labels stored as floats `[batch]`.
func crossEntropy(_ logits: Tensor, _ labels: Tensor) -> Tensor {
    let classes = logits.shape[1]
    let oneHot = Tensor(
        shape: logits.shape,
        scalars: labels.scalars.flatMap { label in
            (0..<classes).map { Float($0) == label ? 1 : 0 }
        }, device: logits.device)
    return -(logits.logSoftmax(axis: 1) * oneHot).sum() / Float(logits.shape[0])
}

/// A tiny conv net: conv 1→4 (3×3, padding 1), ReLU, flatten, linear to 2 outputs.
final class TinyConvNet: Layer {
    let body: Sequential

    init(generator: RandomGenerator = .default) {
        body = Sequential([
            Conv2d(1, 4, kernelSize: 3, padding: 1, generator: generator), ReLU(), Flatten(),
            Linear(4 * 4 * 4, 2, generator: generator),
        ])
    }
    init(body: Sequential) { self.body = body }

    func callAsFunction(_ input: Tensor) -> Tensor { body(input) }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> TinyConvNet { TinyConvNet(body: try clone(body)) }
}

/// An MLP whose flattening mixes samples: `[batch, 1, 4, 4]` is viewed as `[16, batch]` and transposed.
final class MixingMLP: Layer {
    let body: Sequential
    init() { body = Sequential([Linear(16, 8), ReLU(), Linear(8, 3)]) }
    init(body: Sequential) { self.body = body }
    func callAsFunction(_ input: Tensor) -> Tensor {
        body(input.reshaped([16, input.shape[0]]).transposed(0, 1))
    }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> MixingMLP { MixingMLP(body: try clone(body)) }
}

/// An MLP with a layer that is built (and counted, and given to the optimiser) but never used.
final class UnusedLayerMLP: Layer {
    let hidden: Linear
    let extra: Linear
    let output: Linear
    init() { hidden = Linear(8, 16); extra = Linear(16, 16); output = Linear(16, 3) }
    init(hidden: Linear, extra: Linear, output: Linear) { self.hidden = hidden; self.extra = extra; self.output = output }
    func callAsFunction(_ input: Tensor) -> Tensor { output(hidden(input).relu()) }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> UnusedLayerMLP {
        UnusedLayerMLP(hidden: try clone(hidden), extra: try clone(extra), output: try clone(output))
    }
}

/// An MLP that reshapes with the batch size it was written for (4), so any other batch size traps.
final class HardCodedBatchMLP: Layer {
    let body: Sequential
    init() { body = Sequential([Linear(8, 16), ReLU(), Linear(16, 3)]) }
    init(body: Sequential) { self.body = body }
    func callAsFunction(_ input: Tensor) -> Tensor { body(input).reshaped([4, 3]) }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> HardCodedBatchMLP { HardCodedBatchMLP(body: try clone(body)) }
}

/// An MLP whose output takes a logarithm of values that can be negative (NaN outputs).
final class LogOfLinearMLP: Layer {
    let body: Sequential
    init() { body = Sequential([Linear(8, 16), ReLU(), Linear(16, 3)]) }
    init(body: Sequential) { self.body = body }
    func callAsFunction(_ input: Tensor) -> Tensor { body(input).log() }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> LogOfLinearMLP { LogOfLinearMLP(body: try clone(body)) }
}

/// A hand-written dropout that forgets evaluation mode.
final class AlwaysDropoutMLP: Layer {
    let body: Sequential
    let head: Linear
    init() { body = Sequential([Linear(8, 16), ReLU()]); head = Linear(16, 3) }
    init(body: Sequential, head: Linear) { self.body = body; self.head = head }
    func callAsFunction(_ input: Tensor) -> Tensor {
        let hidden = body(input)
        let keep = Tensor.rand(like: hidden) .>= 0.5
        return head(hidden * keep * 2)
    }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> AlwaysDropoutMLP {
        AlwaysDropoutMLP(body: try clone(body), head: try clone(head))
    }
}

/// A module whose "copy" moves its own parameters in place and returns itself (PyTorch's in-place `Module.to`).
final class InPlaceMovingMLP: Layer {
    let hidden: Linear
    let output: Linear
    init() { hidden = Linear(8, 16); output = Linear(16, 3) }
    func callAsFunction(_ input: Tensor) -> Tensor { output(hidden(input).relu()) }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> InPlaceMovingMLP {
        if let device = clone.device {
            for (_, parameter) in namedParameters() { parameter.value = try parameter.value.to(device) }
        }
        return self
    }
}

/// A small VAE: encoder 8 → 2·2 (mu | log-sigma), reparameterisation, decoder 2 → 8.
final class TinyVAE: Module {
    enum Noise: Sendable {
        /// `Tensor.randn(like: mu)`: on mu's device, from the seeded default generator.
        case correct
        /// `Tensor.randn(mu.shape)`: always on the CPU.
        case onCPU
        /// From a private generator that `makeDeterministic(seed:)` does not reseed.
        case privateGenerator
    }

    let encoder: Linear
    let decoder: Sequential
    let training: TrainingFlag
    let noise: Noise
    /// Decode the mean in evaluation mode (instead of sampling).
    let deterministicEvaluation: Bool

    init(noise: Noise = .correct, deterministicEvaluation: Bool = false) {
        encoder = Linear(8, 4)
        decoder = Sequential([Linear(2, 16), ReLU(), Linear(16, 8), Tanh()])
        training = TrainingFlag()
        self.noise = noise
        self.deterministicEvaluation = deterministicEvaluation
    }
    init(encoder: Linear, decoder: Sequential, training: TrainingFlag, noise: Noise, deterministicEvaluation: Bool) {
        self.encoder = encoder; self.decoder = decoder; self.training = training
        self.noise = noise; self.deterministicEvaluation = deterministicEvaluation
    }

    func callAsFunction(_ input: Tensor) -> (reconstruction: Tensor, mu: Tensor, logSigma: Tensor) {
        let halves = encoder(input).chunked(2, axis: 1)
        let (mu, logSigma) = (halves[0], halves[1])
        guard training.isOn || !deterministicEvaluation else { return (decoder(mu), mu, logSigma) }
        let epsilon: Tensor
        switch noise {
        case .correct: epsilon = Tensor.randn(like: mu)
        case .onCPU: epsilon = Tensor.randn(mu.shape)
        case .privateGenerator: epsilon = Tensor.randn(like: mu, generator: privateNoise)
        }
        return (decoder(mu + logSigma.exp() * epsilon), mu, logSigma)
    }

    func copy(with clone: ModuleCloner) throws(DeviceError) -> TinyVAE {
        TinyVAE(
            encoder: try clone(encoder), decoder: try clone(decoder), training: clone(training), noise: noise,
            deterministicEvaluation: deterministicEvaluation)
    }
}

private let privateNoise = RandomGenerator(seed: 1234)

/// The VAE loss of the reference: summed squared error plus the KL term.
func vaeLoss(_ model: TinyVAE, _ batch: ModelBatch) -> Tensor {
    let (reconstruction, mu, logSigma) = model(batch.input)
    let error = reconstruction - batch.input
    let kl = 0.5 * ((2 * logSigma).exp() + mu * mu - 1 - 2 * logSigma).sum()
    return (error * error).sum() + kl
}
