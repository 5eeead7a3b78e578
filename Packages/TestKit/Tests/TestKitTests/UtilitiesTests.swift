import Foundation
import Testing
import TestKit

@Suite("Utilities")
struct UtilitiesTests {
    @Test("approximate equality reports the largest difference with its index")
    func approximateEquality() throws {
        let expected = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        var values = expected.scalars
        values[4] += 0.5
        values[1] += 1e-7
        let actual = Tensor(shape: [2, 3], scalars: values)
        let diff = try difference(actual, expected, rtol: 1e-5, atol: 1e-6)
        #expect(diff.index == [1, 1])
        #expect(diff.maxAbsoluteDifference == 0.5)
        #expect(diff.mismatches == 1)
        let failure = try #require(throws: CheckFailure.self) { try expectClose(actual, expected, "outputs") }
        #expect(failure.location.element == [1, 1])
        #expect(failure.deviation?.observed == 0.5)
        try expectClose(actual, expected, rtol: 0, atol: 0.5)
    }

    @Test("NaN is never close, and identical tensors (NaNs included) are identical")
    func notANumber() throws {
        let a = Tensor([1, .nan]), b = Tensor([1, .nan])
        #expect(try !difference(a, b).isClose)
        try expectIdentical(a, b)
        #expect(throws: CheckFailure.self) { try expectIdentical(a, Tensor([1, 2])) }
        #expect(throws: CheckFailure.self) { try expectClose(Tensor([1, 2]), Tensor([1, 2, 3])) }
    }

    @Test("a temporary directory exists during the body and is removed afterwards, also on error")
    func temporaryDirectory() throws {
        struct Stop: Error {}
        var seen = ""
        #expect(throws: Stop.self) {
            try withTemporaryDirectory { directory in
                seen = directory.path
                try "x".write(toFile: directory.file("a.txt"), atomically: true, encoding: .utf8)
                #expect(FileManager.default.fileExists(atPath: directory.file("a.txt")))
                throw Stop()
            }
        }
        #expect(!seen.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: seen))
    }

    @Test("content hashes are equal for equal contents and differ for a changed element or shape")
    func contentHashes() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        #expect(contentHash(a) == contentHash(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])))
        #expect(contentHash(a) != contentHash(Tensor(shape: [2, 2], scalars: [1, 2, 3, 5])))
        #expect(contentHash(a) != contentHash(Tensor(shape: [4], scalars: [1, 2, 3, 4])))
    }

    @Test("the simulated device is a second device whose tensors do not mix with CPU tensors")
    func simulatedDevice() throws {
        #expect(SimulatedDevice.install())
        #expect(SimulatedDevice.install(), "installing twice is harmless")
        #expect(BackendRegistry.shared.availableDevices() == [.cpu, .cuda(0)])
        let x = try Tensor([1, 2, 3]).to(.cuda(0))
        #expect(x.device == .cuda(0))
        #expect(try (x * x).to(.cpu).scalars == [1, 4, 9])
        #expect(throws: TensorError.self) { try withTensorChecking { x + Tensor([1, 1, 1]) } }
        #expect(throws: DeviceError.self) { try Tensor([1]).to(.cuda(1)) }
    }
}
