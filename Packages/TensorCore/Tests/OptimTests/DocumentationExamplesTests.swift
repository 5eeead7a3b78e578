import NN
import Optim
import Testing
import TensorCore

// The "Train a small network" example of TensorCore.docc/GettingStarted.md, line for line.
@Test func documentationTrainingExample() throws {
    let generator = RandomGenerator(seed: 0)  // initial weights
    let model = Sequential(Linear(2, 16, generator: generator), ReLU(), Linear(16, 1, generator: generator))
    let optimizer = try Adam(model.namedParameters(), learningRate: 1e-2)
    let inputs = Tensor.randn([64, 2], generator: RandomGenerator(seed: 1))
    let targets = inputs.sum(axes: [1], keepingDimensions: true)  // learn x₀ + x₁
    let initialLoss = mseLoss(model(inputs), targets).item()
    for _ in 0..<200 {
        optimizer.zeroGrad()
        let loss = mseLoss(model(inputs), targets)
        loss.backward()
        try optimizer.step()
    }
    #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
    let finalLoss = mseLoss(model(inputs), targets).item()
    #expect(finalLoss < 0.05 * initialLoss, "loss \(initialLoss) → \(finalLoss)")
}
