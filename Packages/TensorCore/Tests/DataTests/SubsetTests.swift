import Data
import Testing
import TensorCore

@Suite struct SubsetTests {
    @Test func firstAndGivenIndices() throws {
        let base = ContextEcho(count: 10)
        let first = try Subset(base, first: 3)
        #expect(first.count == 3)
        let picked = try Subset(base, indices: [7, 2, 7])
        #expect(picked.count == 3)
        let example = try picked.example(at: 0, context: SampleContext(seed: 1, epoch: 4, index: 0))
        // The base sees its own index in the context (same augmentation through any subset).
        #expect(example.input.scalars == [7, 4, 1] && example.label == 7)
        let batches = try DataLoader(picked, batchSize: 2).allBatches(epoch: 0)
        #expect(batches.map(\.labels) == [[7, 2], [7]])
        #expect(batches.map(\.indices) == [[0, 1], [2]])
    }

    @Test func rejectsOutOfRangeIndices() throws {
        let base = ContextEcho(count: 4)
        #expect(throws: DataLoaderError.self) { try Subset(base, indices: [0, 4]) }
        #expect(throws: DataLoaderError.self) { try Subset(base, indices: [-1]) }
        #expect(throws: DataLoaderError.self) { try Subset(base, first: 5) }
        let subset = try Subset(base, first: 2)
        #expect(throws: DataLoaderError.self) { try subset.example(at: 2, context: SampleContext(seed: 0, epoch: 0, index: 2)) }
        #expect(try Subset(base, first: 0).count == 0)
    }
}
