import Data
import Testing
import TensorCore

// The "Feed it data" example of TensorCore.docc/GettingStarted.md, line for line.
struct Ramp: Dataset {
    var count: Int { 100 }
    func example(at index: Int, context: SampleContext) throws -> Example {
        Example(input: Tensor([Float(index), Float(index) / 100]), label: index % 2)
    }
}

@Test func documentationDataLoaderExample() throws {
    let loader = try DataLoader(Ramp(), batchSize: 32, shuffle: true, seed: 7, workers: 2)
    let batches = try loader.allBatches(epoch: 0)
    #expect(batches.map(\.inputs.shape) == [[32, 2], [32, 2], [32, 2], [4, 2]])
    #expect(batches.flatMap(\.indices).sorted() == Array(0..<100))
    #expect(batches.flatMap(\.indices) != Array(0..<100), "shuffled")
}
