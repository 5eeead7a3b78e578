import Testing
import TensorCore
@testable import NN

/// A leaf test module with one parameter and one buffer, found through reflection.
private final class Scale: Layer {
    let weight: Parameter
    let offset: Buffer
    let training: TrainingFlag

    init(_ features: Int) {
        self.weight = Parameter(Tensor.ones([features]))
        self.offset = Buffer(Tensor.zeros([features]))
        self.training = TrainingFlag()
    }
    init(weight: Parameter, offset: Buffer, training: TrainingFlag) {
        self.weight = weight; self.offset = offset; self.training = training
    }
    func callAsFunction(_ input: Tensor) -> Tensor { input * weight.value + offset.value }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> Scale {
        Scale(weight: try clone(weight), offset: try clone(offset), training: clone(training))
    }
}

/// A composite declared only through stored properties (no flag of its own).
private final class Pair: Module {
    let encoder: Sequential
    let decoder: Sequential
    init(encoder: Sequential, decoder: Sequential) { self.encoder = encoder; self.decoder = decoder }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> Pair {
        Pair(encoder: try clone(encoder), decoder: try clone(decoder))
    }
}

@Suite struct ModuleStructureTests {
    @Test func namesFollowPyTorchStateDictKeys() {
        let model = Pair(encoder: Sequential(Flatten(), Scale(3), Sequential(Scale(3))),
                         decoder: Sequential(Scale(2), Unflatten(dimension: 1, sizes: [1, 2])))
        #expect(model.namedParameters().map(\.name) == ["encoder.1.weight", "encoder.2.0.weight", "decoder.0.weight"])
        #expect(model.namedBuffers().map(\.name) == ["encoder.1.offset", "encoder.2.0.offset", "decoder.0.offset"])
        #expect(model.parameterCount == 8)
        #expect(model.namedChildren.map(\.name) == ["encoder", "decoder"])
    }
}
