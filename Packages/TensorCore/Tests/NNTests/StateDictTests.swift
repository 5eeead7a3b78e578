import Testing
import TensorCore
import NN

@Suite struct StateDictTests {
    @Test func roundTripRestoresEveryValue() throws {
        let source = makeEncoderDecoder()
        (source.encoder.layers[1] as! Scale).offset.value = Tensor([0.5, 0.25, 0.125])
        let target = EncoderDecoder(
            encoder: Sequential(Flatten(), Scale([0, 0, 0]), Sequential(Scale([0, 0, 0]))),
            decoder: Sequential(Scale([0, 0]), Unflatten(dimension: 1, sizes: [1, 2])))
        try target.loadStateDict(source.stateDict())
        #expect(target.stateDict().mapValues(\.scalars) == source.stateDict().mapValues(\.scalars))
        #expect((target.encoder.layers[1] as! Scale).offset.value.scalars == [0.5, 0.25, 0.125])
        // Loading copies: later changes to the source do not reach the target.
        (source.encoder.layers[1] as! Scale).weight.value = Tensor([7, 7, 7])
        #expect((target.encoder.layers[1] as! Scale).weight.value.scalars == [1, 2, 3])
    }

    @Test func loadingKeepsParameterIdentityAndGradients() throws {
        let model = Scale([1, 2])
        model(Tensor([1, 1])).sum().backward()
        let parameter = model.weight
        try model.loadStateDict(["weight": Tensor([5, 6]), "offset": Tensor([0, 0])])
        #expect(model.weight === parameter)
        #expect(model.weight.value.scalars == [5, 6])
        #expect(model.weight.grad?.scalars == [1, 1])
        #expect(model.weight.value.requiresGrad)
    }

    @Test func missingAndUnexpectedKeysAreNamed() {
        let model = makeEncoderDecoder()
        var state = model.stateDict()
        state["decoder.0.weight"] = nil
        state["decoder.5.bias"] = Tensor([1])
        do {
            try model.loadStateDict(state)
            Issue.record("expected a StateDictError")
        } catch {
            #expect(error.missingKeys == ["decoder.0.weight"])
            #expect(error.unexpectedKeys == ["decoder.5.bias"])
            #expect(error.description.contains("missing keys: decoder.0.weight"))
            #expect(error.description.contains("unexpected keys: decoder.5.bias"))
        }
        // Non-strict loading accepts the common keys.
        state["encoder.1.weight"] = Tensor([3, 3, 3])
        #expect(throws: Never.self) { try model.loadStateDict(state, strict: false) }
        #expect((model.encoder.layers[1] as! Scale).weight.value.scalars == [3, 3, 3])
    }

    @Test func shapeMismatchNamesBothShapesAndLoadsNothing() {
        let model = makeEncoderDecoder()
        let before = model.stateDict().mapValues(\.scalars)
        var state = model.stateDict()
        state["encoder.1.weight"] = Tensor.zeros([2, 3])
        state["decoder.0.offset"] = Tensor([4, 4])  // valid, but must not be loaded either
        do {
            try model.loadStateDict(state)
            Issue.record("expected a StateDictError")
        } catch {
            #expect(error.shapeMismatches == [.init(key: "encoder.1.weight", expected: [3], found: [2, 3])])
            #expect(error.description.contains("encoder.1.weight"))
            #expect(error.description.contains("[3]") && error.description.contains("[2, 3]"))
        }
        #expect(model.stateDict().mapValues(\.scalars) == before)
    }
}
