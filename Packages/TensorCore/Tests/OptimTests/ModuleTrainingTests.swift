import NN
import Optim
import Testing
import TensorCore

/// A linear regression model as an NN module: `x · weight + bias`.
final class Regression: Module {
    let weight: Parameter
    let bias: Parameter

    init(generator: RandomGenerator) {
        weight = Parameter(Tensor.randn([3, 1], std: 0.1, generator: generator))
        bias = Parameter(Tensor.zeros([1]))
    }

    init(weight: Parameter, bias: Parameter) {
        self.weight = weight
        self.bias = bias
    }

    func callAsFunction(_ x: Tensor) -> Tensor { x.matmul(weight.value) + bias.value }

    func copy(with clone: ModuleCloner) throws(DeviceError) -> Regression {
        Regression(weight: try clone(weight), bias: try clone(bias))
    }
}

/// End to end with NN: module parameters in, backward, step, zeroGrad.
@Suite struct ModuleTrainingTests {
    /// Data from y = 2·x₀ − x₁ + 0.5·x₂ + 1 (exactly representable by the model).
    static func data() -> (x: Tensor, y: Tensor) {
        let x = Tensor.randn([64, 3], generator: RandomGenerator(seed: 10))
        let rows = x.scalars
        let y = (0..<64).map { (i: Int) -> Float in
            let (x0, x1, x2) = (rows[3 * i], rows[3 * i + 1], rows[3 * i + 2])
            return 2 * x0 - x1 + 0.5 * x2 + 1
        }
        return (x, Tensor(shape: [64, 1], scalars: y))
    }

    static func loss(_ model: Regression, _ x: Tensor, _ y: Tensor) -> Tensor {
        let error = model(x) - y
        return (error * error).sum() / Tensor(Float(y.count))
    }

    @Test(arguments: ["Adam", "SGD"])
    func optimizersFitALinearModel(kind: String) throws {
        let (x, y) = Self.data()
        let model = Regression(generator: RandomGenerator(seed: 11))
        let optimizer: any Optimizer =
            kind == "Adam"
            ? try Adam(model.namedParameters(), learningRate: 0.05)
            : try SGD(model.namedParameters(), learningRate: 0.1, momentum: 0.9)
        #expect(optimizer.parameterNames == ["weight", "bias"])
        let initial = Self.loss(model, x, y).item()
        for _ in 0..<300 {
            optimizer.zeroGrad()
            Self.loss(model, x, y).backward()
            try optimizer.step()
        }
        #expect(model.weight.grad != nil)
        optimizer.zeroGrad()
        #expect(model.weight.grad == nil && model.bias.grad == nil)
        let final = Self.loss(model, x, y).item()
        #expect(initial > 1 && final < 1e-4, "\(kind): loss \(initial) → \(final)")
        let w = model.weight.value.scalars
        #expect(abs(w[0] - 2) < 0.01 && abs(w[1] + 1) < 0.01 && abs(w[2] - 0.5) < 0.01, "\(w)")
        #expect(abs(model.bias.value.item() - 1) < 0.01)
    }
}
