import Testing
import TensorCore
import NN

/// The two-layer classifier of `Module`'s documentation, written exactly as a user would.
final class Classifier: Layer {
    let hidden: Linear
    let output: Linear

    init(inputs: Int, classes: Int) {
        hidden = Linear(inputs, 128)
        output = Linear(128, classes)
    }
    init(hidden: Linear, output: Linear) { self.hidden = hidden; self.output = output }

    func callAsFunction(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }

    func copy(with clone: ModuleCloner) throws(DeviceError) -> Classifier {
        Classifier(hidden: try clone(hidden), output: try clone(output))
    }
}

@Suite struct UserModuleTests {
    @Test func documentedClassifierGetsPyTorchNamesAndCounts() {
        let model = Classifier(inputs: 784, classes: 10)
        #expect(model.namedParameters().map(\.name) == ["hidden.weight", "hidden.bias", "output.weight", "output.bias"])
        #expect(model.parameterCount == 784 * 128 + 128 + 128 * 10 + 10)
        #expect(model(Tensor.zeros([3, 784])).shape == [3, 10])
        // A user module is a Layer, so it nests in a Sequential.
        let stacked = Sequential(Flatten(), model)
        #expect(stacked.namedParameters().first?.name == "1.hidden.weight")
    }

    /// The reference models (github.com/tilman151/unittest_dl), built from these layers, have PyTorch's parameter counts.
    @Test func referenceArchitecturesHaveTheirPyTorchParameterCounts() {
        let generator = RandomGenerator(seed: 1)
        func mlp(_ d: Int) -> (Sequential, Sequential) {
            (
                Sequential(
                    Flatten(), Linear(1024, 512, generator: generator), ReLU(), Linear(512, 256, generator: generator),
                    ReLU(), Linear(256, 128, generator: generator), ReLU(), Linear(128, 2 * d, generator: generator)),
                Sequential(
                    Linear(d, 128, generator: generator), ReLU(), Linear(128, 256, generator: generator), ReLU(),
                    Linear(256, 512, generator: generator), ReLU(), Linear(512, 1024, generator: generator),
                    Unflatten(dimension: 1, sizes: [1, 32, 32]), Tanh())
            )
        }
        func cnn(_ d: Int) -> (Sequential, Sequential) {
            (
                Sequential(
                    Conv2d(1, 16, kernelSize: 5, padding: 2, generator: generator), ReLU(),
                    Conv2d(16, 32, kernelSize: 3, stride: 2, padding: 1, generator: generator), ReLU(),
                    Conv2d(32, 64, kernelSize: 3, stride: 2, padding: 1, generator: generator), ReLU(),
                    Flatten(), Linear(4096, 2 * d, generator: generator)),
                Sequential(
                    Linear(d, 4096, generator: generator), ReLU(), Unflatten(dimension: 1, sizes: [64, 8, 8]),
                    ConvTranspose2d(64, 32, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator),
                    ReLU(),
                    ConvTranspose2d(32, 16, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator),
                    ReLU(), Conv2d(16, 1, kernelSize: 5, padding: 2, generator: generator), Tanh())
            )
        }
        for (build, d, count) in [(mlp, 16, 1_385_248), (mlp, 10, 1_382_932), (cnn, 16, 247_777), (cnn, 10, 174_037)] {
            let (encoder, decoder) = build(d)
            let model = EncoderDecoder(encoder: encoder, decoder: decoder)
            #expect(model.parameterCount == count, "d = \(d)")
        }
        let (encoder, decoder) = mlp(16)
        let names = EncoderDecoder(encoder: encoder, decoder: decoder).namedParameters().map(\.name)
        #expect(names.count == 16)
        #expect(names.prefix(2) == ["encoder.1.weight", "encoder.1.bias"])
        #expect(names.suffix(2) == ["decoder.6.weight", "decoder.6.bias"])
        let (cnnEncoder, cnnDecoder) = cnn(16)
        let cnnNames = EncoderDecoder(encoder: cnnEncoder, decoder: cnnDecoder).namedParameters().map(\.name)
        #expect(cnnNames.suffix(4) == ["decoder.5.weight", "decoder.5.bias", "decoder.7.weight", "decoder.7.bias"])
    }

    @Test func sharedModelsServeConcurrentForwardPassesAndUpdates() async {
        let model = Classifier(inputs: 8, classes: 2)
        model.eval()
        let x = Tensor.rand([4, 8], generator: RandomGenerator(seed: 2))
        let expected = model(x).scalars
        // Several tasks run the same model at once; modules and parameters are Sendable.
        let outputs = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<8 { group.addTask { withNoGrad { model(x).scalars } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs.allSatisfy { $0 == expected })
        // Concurrent in-place updates of one parameter are serialised by its lock: none is lost.
        let bias = model.output.bias!
        bias.value = Tensor([0, 0])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    bias.updateInPlace { storage in
                        let current = Tensor(storage: storage, layout: StridedLayout(contiguous: [2])).scalars
                        current.map { $0 + 1 }.withUnsafeBufferPointer {
                            storage.backend.upload($0, to: storage.buffer, offset: 0)
                        }
                    }
                }
            }
        }
        #expect(bias.value.scalars == [16, 16])
    }
}
