import Testing
import TensorCore
import NN

/// A leaf module with one parameter, one buffer and its own flag, all found through reflection.
final class Scale: Layer {
    let weight: Parameter
    let offset: Buffer
    let training: TrainingFlag

    init(_ values: [Float]) {
        weight = Parameter(Tensor(values))
        offset = Buffer(Tensor.zeros([values.count]))
        training = TrainingFlag()
    }
    init(weight: Parameter, offset: Buffer, training: TrainingFlag) {
        self.weight = weight; self.offset = offset; self.training = training
    }
    func callAsFunction(_ input: Tensor) -> Tensor { input * weight.value + offset.value }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> Scale {
        Scale(weight: try clone(weight), offset: try clone(offset), training: clone(training))
    }
}

/// A composite declared only through stored properties, without a flag of its own.
final class EncoderDecoder: Module {
    let encoder: Sequential
    let decoder: Sequential
    init(encoder: Sequential, decoder: Sequential) { self.encoder = encoder; self.decoder = decoder }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> EncoderDecoder {
        EncoderDecoder(encoder: try clone(encoder), decoder: try clone(decoder))
    }
}

/// A module holding an array of children and a parameter shared with one of them.
final class Tied: Module {
    let blocks: [Scale]
    let shared: Parameter
    init(blocks: [Scale], shared: Parameter) { self.blocks = blocks; self.shared = shared }
    func copy(with clone: ModuleCloner) throws(DeviceError) -> Tied {
        var copies: [Scale] = []
        for block in blocks { copies.append(try clone(block)) }
        return Tied(blocks: copies, shared: try clone(shared))
    }
}

func makeEncoderDecoder() -> EncoderDecoder {
    EncoderDecoder(
        encoder: Sequential(Flatten(), Scale([1, 2, 3]), Sequential(Scale([4, 5, 6]))),
        decoder: Sequential(Scale([7, 8]), Unflatten(dimension: 1, sizes: [1, 2])))
}

@Suite struct ModuleStructureTests {
    @Test func namesFollowPyTorchStateDictKeys() {
        let model = makeEncoderDecoder()
        #expect(model.namedParameters().map(\.name) == ["encoder.1.weight", "encoder.2.0.weight", "decoder.0.weight"])
        #expect(model.namedBuffers().map(\.name) == ["encoder.1.offset", "encoder.2.0.offset", "decoder.0.offset"])
        #expect(
            model.stateDictKeys == [
                "encoder.1.weight", "encoder.1.offset", "encoder.2.0.weight",
                "encoder.2.0.offset", "decoder.0.weight", "decoder.0.offset",
            ])
        #expect(Set(model.stateDict().keys) == Set(model.stateDictKeys))
        #expect(model.parameterCount == 8)
        #expect(model.parameters.count == 3)
        #expect(model.namedChildren.map(\.name) == ["encoder", "decoder"])
        #expect(model.encoder.namedChildren.map(\.name) == ["0", "1", "2"])
        #expect(
            model.namedModules().map(\.name) == [
                "", "encoder", "encoder.0", "encoder.1", "encoder.2",
                "encoder.2.0", "decoder", "decoder.0", "decoder.1",
            ])
    }

    @Test func arraysAreNumberedAndSharedParametersCountOnce() {
        let first = Scale([1, 2])
        let model = Tied(blocks: [first, Scale([3])], shared: first.weight)
        // A module's own parameters come before its children's, and a shared one keeps its first name
        // (PyTorch 2.13 gives ['shared', 'blocks.1.weight'] for this structure).
        #expect(model.namedParameters().map(\.name) == ["shared", "blocks.1.weight"])
        #expect(model.parameterCount == 3)
        // The state dict lists a shared tensor under every name, like PyTorch.
        #expect(model.stateDictKeys == ["shared", "blocks.0.weight", "blocks.0.offset", "blocks.1.weight", "blocks.1.offset"])
    }

    @Test func trainAndEvalReachEveryDescendant() {
        let model = makeEncoderDecoder()
        #expect(model.isTraining)
        model.eval()
        #expect(!model.isTraining)
        for (name, module) in model.namedModules() where !name.isEmpty {
            #expect(!module.isTraining, "\(name) should be in eval mode")
        }
        model.decoder.train()
        #expect(!model.isTraining, "a composite is training only when all its children are")
        #expect(model.decoder.isTraining && !model.encoder.isTraining)
        model.train()
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
    }
}
