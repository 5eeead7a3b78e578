import Testing
import TensorCore
import NN
import Optim
import VAEModels

/// Both reference models against PyTorch fixtures written by Tools/python/fixtures/make_vae_fixtures.py:
/// same weights, input and noise → same outputs, losses, gradients and parameters after one Adam step.
@Suite struct PyTorchParityTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        let file: String
        let configuration: VAEConfiguration
        var testDescription: String { file }
    }

    static let fixtures = [
        Fixture(file: "mlp_vae", configuration: VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 16)),
        Fixture(file: "cnn_vae", configuration: VAEConfiguration(architecture: .cnn, inputShape: [1, 32, 32], bottleneck: 16)),
    ]

    static func load(_ name: String) throws -> SafeTensorsFile {
        let directory = String(#filePath).split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
            separator: "/")
        return try SafeTensors.read("\(directory)/Fixtures/\(name).safetensors")
    }

    /// Relative error `max|a − b| / max(max|b|, floor)` — the tolerance is relative to the
    /// tensor's scale, so tiny elements near zero do not dominate.
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
        let a = actual.scalars, e = expected.scalars
        precondition(a.count == e.count)
        var worst: Float = 0
        var scale: Float = 1e-6
        for i in 0..<a.count {
            worst = max(worst, abs(a[i] - e[i]))
            scale = max(scale, abs(e[i]))
        }
        return worst / scale
    }

    @Test(arguments: fixtures)
    func matchesPyTorch(_ fixture: Fixture) throws {
        let file = try Self.load(fixture.file)
        let model = try fixture.configuration.makeModel()
        #expect(String(model.parameterCount) == file.metadata["parameters"])

        var weights: [String: Tensor] = [:]
        for name in file.names where name.hasPrefix("param.") { weights[String(name.dropFirst(6))] = file.tensors[name] }
        #expect(Set(weights.keys) == Set(model.stateDictKeys), "parameter names must equal PyTorch's state_dict keys")
        try model.loadStateDict(weights)

        let input = try file.tensor("input")
        let noise = try file.tensor("noise")
        let (mu, logSigma) = model.encode(input)
        let z = logSigma.exp() * noise + mu
        let reconstruction = model.decode(z)
        // 1e-5 relative to each tensor's scale: Float32 sums in a different order than PyTorch's.
        let tolerance: Float = 1e-5
        #expect(Self.relativeError(mu, try file.tensor("mu")) < tolerance)
        #expect(Self.relativeError(logSigma, try file.tensor("log_sigma")) < tolerance)
        #expect(Self.relativeError(reconstruction, try file.tensor("recon")) < tolerance)

        let recon = VAELoss.reconstruction(reconstruction, target: input)
        let kl = VAELoss.klDivergence(mu: mu, logSigma: logSigma)
        let total = recon + kl
        #expect(Self.relativeError(recon, try file.tensor("loss.recon").reshaped([])) < tolerance)
        #expect(Self.relativeError(kl, try file.tensor("loss.kl").reshaped([])) < tolerance)

        let optimizer = try Adam(model.namedParameters(), learningRate: 1e-3)
        optimizer.zeroGrad()
        total.backward()
        for (name, parameter) in model.namedParameters() {
            let grad = try #require(parameter.grad, "no gradient for \(name)")
            // Gradients accumulate over the batch and all outputs: 1e-4 of their scale.
            let error = Self.relativeError(grad, try file.tensor("grad.\(name)"))
            #expect(error < 1e-4, "gradient of \(name): relative error \(error)")
        }
        let before = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter.value.scalars) })
        try optimizer.step()
        for (name, parameter) in model.namedParameters() {
            try Self.expectAdamUpdate(
                name: name, before: before[name]!, after: parameter.value.scalars,
                expectedAfter: try file.tensor("adam.\(name)").scalars,
                gradient: try file.tensor("grad.\(name)").scalars)
        }
    }

    /// Adam's first step moves each element by `lr · g / (|g| + eps)`, i.e. by almost exactly `lr`
    /// whatever the gradient's size. Where PyTorch's gradient is rounding noise (|g| < 1e-5, pure
    /// cancellation), both implementations move by up to `lr` in a direction the noise picks, so the
    /// parameters themselves cannot be compared at 1e-5 there. Compare the *updates*: within 0.1 % of
    /// `lr` where the gradient is real, and never more than `lr` anywhere.
    static func expectAdamUpdate(
        name: String, before: [Float], after: [Float], expectedAfter: [Float],
        gradient: [Float]
    ) throws {
        let lr: Float = 1e-3
        var worstReal: Float = 0
        var largest: Float = 0
        for i in before.indices {
            let update = after[i] - before[i]
            let expected = expectedAfter[i] - before[i]
            largest = max(largest, abs(update))
            if abs(gradient[i]) > 1e-5 { worstReal = max(worstReal, abs(update - expected)) }
        }
        #expect(worstReal < lr * 1e-3, "\(name): Adam update differs from PyTorch's by \(worstReal)")
        #expect(largest <= lr * 1.001, "\(name): an Adam step moved an element by \(largest) > lr")
    }

    @Test func referenceParameterCounts() throws {
        #expect(try VAEConfiguration(architecture: .mlp, bottleneck: 16).makeModel().parameterCount == 1_385_248)
        #expect(try VAEConfiguration(architecture: .mlp, bottleneck: 10).makeModel().parameterCount == 1_382_932)
        #expect(try VAEConfiguration(architecture: .cnn, bottleneck: 16).makeModel().parameterCount == 247_777)
        #expect(try VAEConfiguration(architecture: .cnn, bottleneck: 10).makeModel().parameterCount == 174_037)
        #expect(try VAEConfiguration(architecture: .cnn).makeModel().namedParameters().count == 16)
        #expect(try VAEConfiguration(architecture: .mlp).makeModel().namedParameters().count == 16)
    }

    @Test func invalidConfigurationsNameTheValue() {
        #expect(throws: VAEConfigurationError.invalidBottleneck(0)) {
            try VAEConfiguration(architecture: .mlp, bottleneck: 0).makeModel()
        }
        do {
            _ = try VAEConfiguration(architecture: .cnn, inputShape: [1, 30, 30]).makeModel()
            Issue.record("a CNN input of 30×30 must be rejected")
        } catch {
            #expect(error.description.contains("[1, 30, 30]"))
        }
    }
}
