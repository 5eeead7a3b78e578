import NN
import Optim
import TensorCore
import Testing
import VAEModels

// The examples of VAEModels.docc/GettingStarted.md (and VAEModels' row of
// README.md), line for line, with their printed results checked.
@Suite struct DocumentationExamplesTests {
    @Test func buildRunAndTrain() throws {
        let configuration = VAEConfiguration(architecture: .cnn, inputShape: [1, 32, 32], bottleneck: 16)
        let model = try configuration.makeModel(generator: RandomGenerator(seed: 0))
        #expect(model.parameterCount == 247_777)

        let batch = Tensor.rand([8, 1, 32, 32], low: -1, high: 1, generator: RandomGenerator(seed: 1))
        let noise = RandomGenerator(seed: 2)  // the latent noise ε
        let output = model.forward(batch, generator: noise)  // z = exp(logSigma)·ε + mu
        #expect(output.reconstruction.shape == [8, 1, 32, 32])
        #expect(output.reconstruction.scalars.allSatisfy { $0 > -1 && $0 < 1 })
        #expect("\(output.mu.shape) \(output.logSigma.shape)" == "[8, 16] [8, 16]")

        let optimizer = try Adam(model.namedParameters(), learningRate: 1e-3)
        optimizer.zeroGrad()
        let terms = VAELoss.terms(model.forward(batch, generator: noise), target: batch)
        terms.total.backward()  // reconstruction + KL
        try optimizer.step()
        #expect(terms.reconstruction.item() > 0)
        #expect(terms.kl.item() >= 0)
    }

    @Test func invalidConfiguration() {
        var message = ""
        do {
            _ = try VAEConfiguration(architecture: .cnn, inputShape: [1, 30, 30]).makeModel()
        } catch {
            message = "\(error)"
        }
        #expect(message.hasPrefix("invalid VAE input shape [1, 30, 30]: the CNN halves height and width twice"))
    }
}

/// VAEModels' example in README.md, line for line.
@Test func readmeVAEModelsExample() throws {
    let model = try VAEConfiguration(architecture: .cnn, inputShape: [1, 32, 32], bottleneck: 16)
        .makeModel(generator: RandomGenerator(seed: 0))  // 247,777 parameters
    let batch = Tensor.rand([8, 1, 32, 32], low: -1, high: 1, generator: RandomGenerator(seed: 1))
    let output = model.forward(batch, generator: RandomGenerator(seed: 2))
    let loss = VAELoss.terms(output, target: batch).total  // Σ squared error + KL
    #expect(model.parameterCount == 247_777)
    let expected =
        VAELoss.reconstruction(output.reconstruction, target: batch).item()
        + VAELoss.klDivergence(mu: output.mu, logSigma: output.logSigma).item()
    #expect(abs(loss.item() - expected) <= 1e-3 * abs(expected))
}
