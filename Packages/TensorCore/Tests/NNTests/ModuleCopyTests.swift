import Testing
import TensorCore
import NN

@Suite struct ModuleCopyTests {
    @Test func copyIsIndependentOfTheSource() {
        let source = makeEncoderDecoder()
        source.eval()
        let copy = source.copy()
        #expect(copy !== source)
        #expect(!copy.isTraining, "the copy keeps the mode")
        for ((name, a), (_, b)) in zip(source.namedParameters(), copy.namedParameters()) {
            #expect(a !== b, "\(name) must be a new Parameter")
            #expect(a.value.scalars == b.value.scalars)
        }
        // Writing the copy (by assignment and by an in-place update) leaves the source alone.
        let copied = copy.encoder.layers[1] as! Scale
        copied.weight.value = Tensor([9, 9, 9])
        (copy.decoder.layers[0] as! Scale).weight.updateInPlace { storage in
            storage.backend.fill(storage.buffer, offset: 0, count: 2, value: -1)
        }
        copy.train()
        #expect((source.encoder.layers[1] as! Scale).weight.value.scalars == [1, 2, 3])
        #expect((source.decoder.layers[0] as! Scale).weight.value.scalars == [7, 8])
        #expect((copy.decoder.layers[0] as! Scale).weight.value.scalars == [-1, -1])
        #expect(!source.isTraining)
    }

    @Test func copyKeepsTiedParametersTied() {
        let first = Scale([1, 2])
        let copy = Tied(blocks: [first, Scale([3])], shared: first.weight).copy()
        #expect(copy.shared === copy.blocks[0].weight)
        #expect(copy.shared !== first.weight)
    }

    @Test func copyKeepsGradients() {
        let source = Scale([1, 2])
        let loss = source(Tensor([3, 4])).sum()
        loss.backward()
        let copy = source.copy()
        #expect(copy.weight.grad?.scalars == [3, 4])
        copy.zeroGrad()
        #expect(copy.weight.grad == nil)
        #expect(source.weight.grad?.scalars == [3, 4])
    }

    @Test func movedToCPUIsACopyAndTheSourceIsUntouched() throws {
        let source = makeEncoderDecoder()
        let before = source.stateDict().mapValues(\.scalars)
        let moved = try source.moved(to: .cpu)
        #expect(moved !== source && moved.device == .cpu)
        (moved.encoder.layers[1] as! Scale).weight.value = Tensor([0, 0, 0])
        #expect(source.stateDict().mapValues(\.scalars) == before)
    }

    @Test func movedToAnUnavailableDeviceThrowsAndLeavesTheSourceUntouched() {
        let source = makeEncoderDecoder()
        let before = source.stateDict().mapValues(\.scalars)
        guard !BackendRegistry.shared.isAvailable(.cuda(0)) else { return }
        #expect(throws: DeviceError.self) { _ = try source.moved(to: .cuda(0)) }
        do {
            _ = try source.moved(to: .cuda(0))
        } catch {
            #expect(error.description.contains("cuda:0"))
        }
        #expect(source.device == .cpu)
        #expect(source.stateDict().mapValues(\.scalars) == before)
    }
}
