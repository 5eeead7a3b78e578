import NN
import Optim
import TensorCore
import TestKit
import TestKitTesting
import Testing
import UserModel

/// The user's classifier described for TestKit: how to build it, feed it and train it.
/// `optimizing` chooses which parameters (by dotted name) the optimiser is given.
func classifierSubject(
    name: String = "TwoLayerClassifier",
    optimizing: @escaping @Sendable (String) -> Bool = { _ in true }
) -> ModelSubject {
    ModelSubject(
        name: name,
        makeModel: { seed, device in
            try TwoLayerClassifier(inputs: 2, classes: 3, generator: RandomGenerator(seed: seed)).moved(to: device)
        },
        makeBatch: { size, seed in
            ModelBatch(
                input: Tensor.randn([size, 2], generator: RandomGenerator(seed: seed)),
                target: Tensor(shape: [size], scalars: (0..<size).map { Float($0 % 3) }))
        },
        outputShape: [3],
        loss: { logits, batch in crossEntropy(logits, labels: batch.target!) },
        makeOptimizer: { model in try Adam(model.namedParameters().filter { optimizing($0.name) }, learningRate: 1e-2) })
}

/// TestKit's whole model suite, one reported result per check. The simulated second device
/// (`cuda:0` computed by the CPU) lets the device-moving check run on a machine without a GPU.
@Test(arguments: ModelCheck.allCases)
func classifier(_ check: ModelCheck) throws {
    SimulatedDevice.install()
    try check.verify(on: classifierSubject())
}

/// The suite catches the user's own mistakes: an optimiser given only the output layer leaves
/// `hidden.weight` and `hidden.bias` unchanged, and the check names both.
@Test func optimizerMissingALayerIsCaught() throws {
    let subject = classifierSubject(
        name: "TwoLayerClassifier (hidden layer not optimised)",
        optimizing: { $0.hasPrefix("output.") })
    let failure = #expect(throws: CheckFailure.self) { try ModelCheck.allParametersUpdated.run(on: subject) }
    #expect(failure?.description.contains("hidden.weight") == true)
    #expect(failure?.description.contains("hidden.bias") == true)
    #expect(failure?.description.contains("output.weight") == false)
}
