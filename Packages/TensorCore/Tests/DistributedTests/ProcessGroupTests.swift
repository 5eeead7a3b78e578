import NN
import Optim
import TensorCore
import XCTest

@testable import Distributed

final class ProcessGroupTests: XCTestCase {
    func testWithoutLauncherTheWorldIsOneProcessAndCollectivesAreNoOps() throws {
        let group = try ProcessGroup.world(environment: [:])
        XCTAssertEqual(group.rank, 0)
        XCTAssertEqual(group.size, 1)
        var values: [Float] = [1, 2]
        try group.allReduce(&values, .sum)
        XCTAssertEqual(values, [1, 2])
        XCTAssertEqual(try group.allGather([7, 8]), [[7, 8]])
        XCTAssertEqual(try group.allGather(Tensor([1, 2])).shape, [1, 2])
        XCTAssertTrue(
            try ProcessGroup.world(environment: ["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "1"])
                === ProcessGroup.single)
    }

    func testBadLauncherVariablesAreNamed() {
        XCTAssertThrowsError(try ProcessGroup.world(environment: ["OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "2"])) {
            XCTAssertTrue("\($0)".contains("OMPI_COMM_WORLD_RANK=\"2\""), "\($0)")
        }
        XCTAssertThrowsError(try ProcessGroup.world(environment: ["PMI_SIZE": "x", "PMI_RANK": "0"])) {
            XCTAssertTrue("\($0)".contains("PMI_SIZE"), "\($0)")
        }
        XCTAssertThrowsError(try ProcessGroup.world(environment: ["DEEPTRUST_RANK": "0"])) {
            XCTAssertTrue("\($0)".contains("DEEPTRUST_WORLD_SIZE"), "\($0)")
        }
    }

    func testAllReduceSumsAndAveragesInRankOrderIdenticallyOnEveryRank() throws {
        let results = try InProcessGroup.run(size: 3) { group -> ([Float], [Tensor], [Double]) in
            var values: [Float] = [Float(group.rank), 0.1 * Float(group.rank + 1), 1e7]
            try group.allReduce(&values, .sum, bucketElements: 2)
            let tensors = try group.allReduce(
                [Tensor([Float(group.rank)]), Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])], .average)
            var doubles = [Double(group.rank) * 0.5]
            try group.allReduce(&doubles, .sum)
            return (values, tensors, doubles)
        }
        for (values, tensors, doubles) in results {
            XCTAssertEqual(values, results[0].0)
            XCTAssertEqual(values[0], 3)
            XCTAssertEqual(values[2], 3e7)
            XCTAssertEqual(tensors[0].scalars, [1])
            XCTAssertEqual(tensors[1].shape, [2, 2])
            XCTAssertEqual(tensors[1].scalars, [1, 2, 3, 4])
            XCTAssertEqual(doubles, [1.5])
        }
    }

    func testLargeTensorsAreReducedDirectlyAndSmallOnesInBucketsWithoutTouchingTheInputs() throws {
        let large = ProcessGroup.directElements + 3
        let results = try InProcessGroup.run(size: 2) { group -> ([Tensor], [Tensor]) in
            let r = Float(group.rank + 1)
            let columns = large / 3 + 1
            let wide = Tensor(shape: [3, columns], scalars: (0..<(3 * columns)).map { Float($0 % 5) * r })
            let inputs = [
                Tensor([r, 2 * r]),
                Tensor(shape: [large], scalars: (0..<large).map { Float($0 % 7) * r }),
                Tensor([5 * r]),
                // a transposed (non-contiguous) large tensor goes through host staging
                wide.transposed(0, 1),
                Tensor([7 * r]),
            ]
            let reduced = try group.allReduce(inputs, .sum, bucketElements: 1000)
            return (inputs, reduced)
        }
        for (rank, (inputs, reduced)) in results.enumerated() {
            XCTAssertEqual(reduced.map(\.shape), inputs.map(\.shape))
            let r = Float(rank + 1)
            XCTAssertEqual(inputs[0].scalars, [r, 2 * r], "inputs are left as they were")
            XCTAssertEqual(reduced[0].scalars, [3, 6])
            XCTAssertEqual(reduced[1].scalars, (0..<large).map { Float($0 % 7) * 3 })
            XCTAssertEqual(reduced[2].scalars, [15])
            XCTAssertEqual(reduced[3].scalars, inputs[3].scalars.map { $0 / r * 3 })
            XCTAssertEqual(reduced[4].scalars, [21])
            for (mine, first) in zip(reduced, results[0].1) { XCTAssertEqual(mine.scalars, first.scalars) }
        }
        let averaged = try InProcessGroup.run(size: 2) { group in
            try group.allReduce(
                [Tensor(shape: [large], scalars: Array(repeating: Float(group.rank * 2), count: large))], .average)[0]
        }
        XCTAssertEqual(Set(averaged[1].scalars), [1])
    }

    func testTheSameTotalSplitDifferentlyIsAMismatchNotAHang() throws {
        let results = try InProcessGroup.run(size: 2) { group -> String in
            let split = group.rank == 0 ? [1, ProcessGroup.directElements] : [ProcessGroup.directElements, 1]
            do {
                _ = try group.allReduce(split.map { Tensor.zeros([$0]) }, .sum)
            } catch { return "\(error)" }
            return "no error"
        }
        XCTAssertTrue(results[0].contains("split into tensors of different sizes"), results[0])
        XCTAssertTrue(results[1].contains("split into tensors of different sizes"), results[1])
    }

    func testBroadcastAndAllGather() throws {
        let results = try InProcessGroup.run(size: 2) { group -> ([Int], [[Int]], [Float], [Float]) in
            var values = Array(0..<(group.rank + 2))
            try group.broadcast(&values, root: 1)
            let gathered = try group.allGather(Array(repeating: group.rank, count: group.rank + 1))
            let tensor = try group.broadcast([Tensor([Float(group.rank), 5])], root: 0)[0]
            let stacked = try group.allGather(Tensor([Float(group.rank)]))
            try group.barrier()
            return (values, gathered, tensor.scalars, stacked.scalars)
        }
        for result in results {
            XCTAssertEqual(result.0, [0, 1, 2])
            XCTAssertEqual(result.1, [[0], [1, 1]])
            XCTAssertEqual(result.2, [0, 5])
            XCTAssertEqual(result.3, [0, 1])
        }
    }

    func testParametersAreBroadcastAndGradientsReducedInPlace() throws {
        let results = try InProcessGroup.run(size: 2) { group -> ([Float], [Float]) in
            let parameter = Parameter(Tensor([Float(group.rank + 1), 10]))
            try group.broadcastValues(of: [parameter], root: 1)
            parameter.grad = group.rank == 0 ? Tensor([1, 2]) : nil
            try group.allReduceGradients(of: [parameter], .sum)
            return (parameter.value.scalars, parameter.grad!.scalars)
        }
        XCTAssertEqual(results[0].0, [2, 10])
        XCTAssertEqual(results[1].0, [2, 10])
        XCTAssertEqual(results[1].1, [1, 2])
    }

    func testLargeTensorsAreReducedInTheirOwnMemoryUnlessShared() throws {
        let count = ProcessGroup.directElements
        let results = try InProcessGroup.run(size: 2) { group -> [String] in
            func host(_ tensor: Tensor) -> UnsafeMutablePointer<Float>? { (tensor.storage.buffer as? CPUBuffer)?.pointer }
            func filled(_ value: Float) -> Tensor { Tensor(shape: [count], scalars: Array(repeating: value, count: count)) }
            var findings: [String] = []
            // Held once: reduced where it lies.
            var alone = [filled(Float(group.rank + 1)), Tensor([Float(group.rank)])]
            let memory = host(alone[0])
            try group.allReduce(&alone, .average)
            if host(alone[0]) != memory { findings.append("a tensor held once was copied") }
            if Set(alone[0].scalars) != [1.5] || alone[1].scalars != [0.5] { findings.append("wrong average") }
            // Shared with another tensor: the other keeps its values.
            let other = filled(Float(group.rank + 1))
            var shared = [other]
            try group.allReduce(&shared, .sum)
            if Set(other.scalars) != [Float(group.rank + 1)] { findings.append("the sharing tensor changed") }
            if Set(shared[0].scalars) != [3] { findings.append("wrong sum of a shared tensor") }
            // A parameter's gradient: reduced in the gradient's memory.
            let parameter = Parameter(Tensor.zeros([count]))
            parameter.grad = filled(Float(group.rank + 1))
            let gradientMemory = host(parameter.grad!)
            var losses: [Float] = [Float(group.rank), 1]
            try group.allReduceGradients(of: [parameter], .sum, alongWith: &losses)
            if host(parameter.grad!) != gradientMemory { findings.append("the gradient was copied") }
            if Set(parameter.grad!.scalars) != [3] { findings.append("wrong gradient sum") }
            if losses != [1, 2] { findings.append("values along with the gradients: \(losses)") }
            return findings
        }
        XCTAssertEqual(results, [[], []])
    }

    func testMismatchedCountsAndBadRootAreNamed() throws {
        let results = try InProcessGroup.run(size: 2) { group -> String in
            var values = Array(repeating: Float(1), count: group.rank + 1)
            do { try group.allReduce(&values) } catch { return "\(error)" }
            return "no error"
        }
        XCTAssertTrue(results[0].contains("rank 0 has 1 elements, rank 1 has 2"), results[0])
        XCTAssertThrowsError(try InProcessGroup.run(size: 2) { group in _ = try group.broadcast([Tensor([1])], root: 2) }) {
            XCTAssertTrue("\($0)".contains("root = 2 must be in 0..<2"), "\($0)")
        }
    }

    func testARankThatLeavesEarlyFailsThePeersInsteadOfHangingThem() throws {
        let results = try InProcessGroup.run(size: 2, timeoutSeconds: 30) { group -> String in
            guard group.rank == 0 else { return "left" }
            do { try group.barrier() } catch { return "\(error)" }
            return "no error"
        }
        XCTAssertTrue(results[0].contains("rank 1 left the group"), results[0])
    }

    func testACollectiveThatNobodyJoinsTimesOut() throws {
        let results = try InProcessGroup.run(size: 2, timeoutSeconds: 0.5) { group -> String in
            if group.rank == 1 { usleep(2_000_000); return "slept" }
            do { try group.barrier() } catch { return "\(error)" }
            return "no error"
        }
        XCTAssertTrue(results[0].contains("did not complete within 0.5 s"), results[0])
    }

    func testMissingMPILibraryIsReportedWithThePackageToInstall() {
        let error = DistributedError.libraryNotFound(tried: ["libmpi.so.40: not found"], hint: "Install Open MPI (openmpi-bin).")
        XCTAssertTrue(error.description.contains("openmpi-bin"))
    }
}
