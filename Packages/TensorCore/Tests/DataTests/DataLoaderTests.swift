@testable import Data
import Foundation  // directory listing of /proc/self/task in thread checks
import Testing
import TensorCore

/// Names of the loader worker threads alive in this process (Linux: /proc/self/task/*/comm).
func loaderThreadNames() -> Set<String> {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    var names = Set<String>()
    for task in tasks {
        guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8) else { continue }
        let name = comm.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.hasPrefix("dtload") { names.insert(name) }
    }
    return names
}

/// Comparable summary of a batch.
struct BatchRecord: Equatable {
    let index: Int, indices: [Int], labels: [Int]?, shape: [Int], values: [Float]
    init(_ batch: Batch) {
        index = batch.index; indices = batch.indices; labels = batch.labels
        shape = batch.inputs.shape; values = batch.inputs.scalars
    }
}

@Suite struct DataLoaderTests {
    @Test func sameBatchesForZeroOneAndThreeWorkers() throws {
        let dataset = NoisyDataset(count: 23)
        var runs: [[BatchRecord]] = []
        for workers in [0, 1, 3] {
            let loader = try DataLoader(dataset, batchSize: 4, shuffle: true, seed: 77, workers: workers, prefetch: 2)
            runs.append(try (0..<2).flatMap { try loader.allBatches(epoch: $0).map(BatchRecord.init) })
        }
        #expect(runs[0].count == 12)
        #expect(runs[0] == runs[1])
        #expect(runs[0] == runs[2])
        // The augmentation is really random per sample and epoch: sample 5 differs between epochs.
        func sample5(_ batches: ArraySlice<BatchRecord>) -> [Float] {
            for b in batches { if let k = b.indices.firstIndex(of: 5) { return Array(b.values[(6 * k)..<(6 * k + 6)]) } }
            return []
        }
        #expect(sample5(runs[0][0..<6]) != sample5(runs[0][6..<12]))
        #expect(sample5(runs[0][0..<6]).allSatisfy { $0 >= 5 && $0 < 6 })
    }

    @Test func collatesInputsAndLabels() throws {
        let loader = try DataLoader(NoisyDataset(count: 5), batchSize: 2)
        let batches = try loader.allBatches(epoch: 0)
        #expect(batches.map(\.inputs.shape) == [[2, 2, 3], [2, 2, 3], [1, 2, 3]])
        #expect(batches.map(\.labels) == [[0, 1], [2, 3], [4]])
        #expect(batches.map(\.indices) == [[0, 1], [2, 3], [4]])
        #expect(batches.map(\.index) == [0, 1, 2])
        let first = batches[0].inputs.scalars
        #expect(first[0..<6].allSatisfy { $0 >= 0 && $0 < 1 } && first[6..<12].allSatisfy { $0 >= 1 && $0 < 2 })
        let unlabeled = try DataLoader(NoisyDataset(count: 3, labeled: false), batchSize: 3).allBatches(epoch: 0)
        #expect(unlabeled[0].labels == nil)
    }

    @Test func shuffleIsASeededPermutationThatChangesPerEpoch() throws {
        let loader = try DataLoader(ContextEcho(count: 50), batchSize: 7, shuffle: true, seed: 3)
        let epoch0 = try loader.allBatches(epoch: 0).flatMap(\.indices)
        let epoch1 = try loader.allBatches(epoch: 1).flatMap(\.indices)
        #expect(epoch0.sorted() == Array(0..<50) && epoch1.sorted() == Array(0..<50))
        #expect(epoch0 != epoch1 && epoch0 != Array(0..<50))
        #expect(epoch0 == loader.order(epoch: 0))
        let again = try DataLoader(ContextEcho(count: 50), batchSize: 7, shuffle: true, seed: 3)
        #expect(again.order(epoch: 1) == epoch1)
        let otherSeed = try DataLoader(ContextEcho(count: 50), batchSize: 7, shuffle: true, seed: 4)
        #expect(otherSeed.order(epoch: 0) != epoch0)
        let ordered = try DataLoader(ContextEcho(count: 50), batchSize: 7)
        #expect(try ordered.allBatches(epoch: 3).flatMap(\.indices) == Array(0..<50))
    }

    @Test func examplesSeeTheirSampleContext() throws {
        let loader = try DataLoader(ContextEcho(count: 4), batchSize: 4, shuffle: true, seed: 9)
        let batch = try #require(try loader.batches(epoch: 2).next())
        for (k, index) in batch.indices.enumerated() {
            #expect(Array(batch.inputs.scalars[(3 * k)..<(3 * k + 3)]) == [Float(index), 2, 9])
        }
    }

    @Test func dropLastAndBatchSizes() throws {
        let keep = try DataLoader(NoisyDataset(count: 10), batchSize: 3, workers: 2)
        #expect(keep.count == 4)
        #expect(try keep.allBatches(epoch: 0).map(\.count) == [3, 3, 3, 1])
        let drop = try DataLoader(NoisyDataset(count: 10), batchSize: 3, dropLast: true, workers: 2)
        #expect(drop.count == 3)
        #expect(try drop.allBatches(epoch: 0).map(\.count) == [3, 3, 3])
        let exact = try DataLoader(NoisyDataset(count: 9), batchSize: 3, dropLast: true)
        #expect(exact.count == 3)
    }

    @Test(arguments: [0, 2])
    func batchLargerThanDatasetAndEmptyDataset(workers: Int) throws {
        let large = try DataLoader(NoisyDataset(count: 5), batchSize: 64, workers: workers)
        #expect(large.count == 1)
        #expect(try large.allBatches(epoch: 0).map(\.count) == [5])
        let dropped = try DataLoader(NoisyDataset(count: 5), batchSize: 64, dropLast: true, workers: workers)
        #expect(dropped.count == 0)
        #expect(try dropped.allBatches(epoch: 0).isEmpty)
        let empty = try DataLoader(NoisyDataset(count: 0), batchSize: 4, shuffle: true, workers: workers)
        #expect(empty.count == 0)
        let iterator = empty.batches(epoch: 0)
        #expect(try iterator.next() == nil)
        #expect(try iterator.next() == nil)
    }

    @Test(arguments: [0, 1, 3])
    func datasetErrorIsRethrownWithItsIndex(workers: Int) throws {
        let loader = try DataLoader(NoisyDataset(count: 40, failAt: 7), batchSize: 4, workers: workers)
        let iterator = loader.batches(epoch: 0)
        #expect(try iterator.next()?.indices == [0, 1, 2, 3])
        do {
            _ = try iterator.next()
            Issue.record("expected the error of sample 7")
        } catch {
            guard case .sampleFailed(let index, let underlying) = error else {
                Issue.record("unexpected error \(error)"); return
            }
            #expect(index == 7)
            #expect(underlying as? SampleError == SampleError(index: 7))
            #expect(error.description.contains("sample 7"))
        }
        #expect(try iterator.next() == nil)
    }

    @Test(arguments: [0, 2])
    func tensorMisuseInADatasetBecomesAnError(workers: Int) throws {
        let loader = try DataLoader(MisbehavingDataset(count: 6, badIndex: 4), batchSize: 2, workers: workers)
        #expect {
            _ = try loader.allBatches(epoch: 0)
        } throws: { error in
            guard case DataLoaderError.sampleFailed(let index, let underlying) = error else { return false }
            return index == 4 && underlying is TensorError
        }
    }

    @Test func mismatchedShapesAreACollationError() throws {
        let loader = try DataLoader(MisbehavingDataset(count: 6, oddShapeIndex: 3), batchSize: 2, workers: 1)
        #expect {
            _ = try loader.allBatches(epoch: 0)
        } throws: { error in
            guard case DataLoaderError.collation(let batch, let reason) = error else { return false }
            return batch == 1 && reason.contains("sample 3") && reason.contains("[3]")
        }
    }

    @Test func rejectsBadSettings() {
        #expect(throws: DataLoaderError.self) { try DataLoader(NoisyDataset(count: 3), batchSize: 0) }
        #expect(throws: DataLoaderError.self) { try DataLoader(NoisyDataset(count: 3), batchSize: 1, workers: -1) }
        #expect(throws: DataLoaderError.self) { try DataLoader(NoisyDataset(count: 3), batchSize: 1, workers: 1, prefetch: 0) }
    }

    @Test func seedDefaultsToMakeDeterministicSeed() throws {
        let explicit = try DataLoader(NoisyDataset(count: 3), batchSize: 1, seed: 5)
        #expect(explicit.seed == 5)
        makeDeterministic(seed: 4242)
        let implicit = try DataLoader(NoisyDataset(count: 3), batchSize: 1)
        #expect(implicit.seed == 4242)
    }
}

/// Worker lifetime, observed in /proc/self/task through the names of each iterator's own
/// threads (`dtload<id>.<n>`), so loaders of concurrent tests cannot disturb the counts.
@Suite struct DataLoaderThreadTests {
    /// Waits (up to 5 s) until every thread in `names` has started and named itself.
    func waitUntilRunning(_ names: [String]) {
        let deadline = ContinuousClock.now + .seconds(5)
        while !Set(names).isSubset(of: loaderThreadNames()) && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    @Test func earlyExitLeavesNoThreads() throws {
        let loader = try DataLoader(NoisyDataset(count: 400), batchSize: 4, shuffle: true, seed: 1, workers: 3)
        var iterator: BatchIterator? = loader.batches(epoch: 0)
        let names = iterator!.workerThreadNames
        #expect(names.count == 3)
        #expect(try iterator?.next() != nil)
        #expect(try iterator?.next() != nil)
        waitUntilRunning(names)
        #expect(Set(names).isSubset(of: loaderThreadNames()))
        iterator = nil
        #expect(loaderThreadNames().isDisjoint(with: names))
    }

    @Test func errorAndCompletionLeaveNoThreads() throws {
        var failing: BatchIterator? = try DataLoader(NoisyDataset(count: 100, failAt: 50), batchSize: 5, workers: 3).batches(
            epoch: 0)
        var full: BatchIterator? = try DataLoader(NoisyDataset(count: 30), batchSize: 5, workers: 2).batches(epoch: 0)
        let names = failing!.workerThreadNames + full!.workerThreadNames
        #expect(names.count == 5)
        waitUntilRunning(names)
        #expect(throws: DataLoaderError.self) { while try failing?.next() != nil {} }
        while try full?.next() != nil {}
        // The failed iterator has already stopped and joined its workers.
        #expect(loaderThreadNames().isDisjoint(with: failing!.workerThreadNames))
        failing = nil
        full = nil
        #expect(loaderThreadNames().isDisjoint(with: names))
    }

    @Test func workersStayWithinThePrefetchWindow() throws {
        let dataset = NoisyDataset(count: 400)
        let loader = try DataLoader(dataset, batchSize: 4, workers: 3, prefetch: 5)
        let iterator = loader.batches(epoch: 0)
        _ = try iterator.next()
        // With batch 0 consumed, the window holds batches 1...5: exactly 6 batches get made.
        let deadline = ContinuousClock.now + .seconds(5)
        while dataset.counter.produced.load(ordering: .relaxed) < 4 * 6 && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        Thread.sleep(forTimeInterval: 0.1)  // time to overrun the window, if they could
        #expect(dataset.counter.produced.load(ordering: .relaxed) == 4 * 6)
        _ = try iterator.next()
        let refilled = ContinuousClock.now + .seconds(5)
        while dataset.counter.produced.load(ordering: .relaxed) < 4 * 7 && ContinuousClock.now < refilled {
            Thread.sleep(forTimeInterval: 0.01)
        }
        Thread.sleep(forTimeInterval: 0.05)
        #expect(dataset.counter.produced.load(ordering: .relaxed) == 4 * 7)
    }
}
