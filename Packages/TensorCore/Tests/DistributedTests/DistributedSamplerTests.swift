import Data
import TensorCore
import XCTest

final class DistributedSamplerTests: XCTestCase {
    struct Indices: Dataset {
        var count: Int
        func example(at index: Int, context: SampleContext) throws -> Example { Example(input: Tensor([Float(index)])) }
    }

    func testSharesAreDisjointCoverTheEpochAndRebuildEachGlobalBatch() throws {
        for (count, batch, world) in [(10, 4, 3), (7, 8, 2), (5, 1, 2), (64, 16, 4), (0, 3, 2)] {
            let samplers = try (0..<world).map {
                try DistributedSampler(count: count, globalBatchSize: batch, rank: $0, worldSize: world, shuffle: true, seed: 9)
            }
            let order = samplers[0].globalOrder(epoch: 2)
            XCTAssertEqual(Set(order), Set(0..<count))
            let shares = samplers.map { $0.batches(epoch: 2) }
            for k in 0..<samplers[0].batchCount {
                let rebuilt = shares.flatMap { $0[k] }
                XCTAssertEqual(rebuilt, Array(order[(k * batch)..<min((k + 1) * batch, count)]), "count \(count) batch \(k)")
                let sizes = shares.map { $0[k].count }
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
            }
            XCTAssertEqual(shares.map(\.count), Array(repeating: samplers[0].batchCount, count: world))
        }
    }

    func testOneRankReadsWhatAPlainLoaderReadsAndOrdersChangeWithTheEpoch() throws {
        let data = Indices(count: 23)
        let loader = try DataLoader(data, batchSize: 5, shuffle: true, seed: 4)
        let sampler = try DistributedSampler(count: 23, globalBatchSize: 5, rank: 0, worldSize: 1, shuffle: true, seed: 4)
        XCTAssertEqual(try loader.allBatches(epoch: 1).map(\.indices), sampler.batches(epoch: 1))
        XCTAssertNotEqual(sampler.globalOrder(epoch: 0), sampler.globalOrder(epoch: 1))
        let iterator = loader.batches(
            epoch: 1,
            sampler: try DistributedSampler(count: 23, globalBatchSize: 5, rank: 1, worldSize: 2, shuffle: true, seed: 4))
        var seen: [Int] = []
        while let batch = try iterator.next() {
            seen += batch.indices; XCTAssertEqual(batch.inputs.scalars.map(Int.init), batch.indices)
        }
        XCTAssertEqual(seen.count, 14)  // shares 3, 3, 3, 3 of the full batches of 5, then 2 of 3
    }

    func testAnEmptyShareIsAnEmptyBatch() throws {
        let sampler = try DistributedSampler(count: 5, globalBatchSize: 2, rank: 0, worldSize: 2, shuffle: false, seed: 0)
        let batches = try DataLoader(Indices(count: 5), batchSize: 1).batches(epoch: 0, sampler: sampler)
        var sizes: [Int] = []
        while let batch = try batches.next() { sizes.append(batch.count) }
        XCTAssertEqual(sizes, [1, 1, 0])
    }

    func testBadSettingsAreNamed() {
        XCTAssertThrowsError(try DistributedSampler(count: 5, globalBatchSize: 2, rank: 2, worldSize: 2, shuffle: false, seed: 0))
        {
            XCTAssertTrue("\($0)".contains("rank = 2"), "\($0)")
        }
        XCTAssertThrowsError(try DistributedSampler(count: 5, globalBatchSize: 0, rank: 0, worldSize: 2, shuffle: false, seed: 0))
        {
            XCTAssertTrue("\($0)".contains("globalBatchSize"), "\($0)")
        }
    }
}
