@testable import CUDABackend
import Distributed
import TensorCore
import Testing

/// NCCLCommunicator over an emulated NCCL (``EmulatedNCCL``): the binding code that runs on a GPU
/// host — the unique id sent over the bootstrap group, the arguments of every NCCL call, the
/// mapping of `ncclResult_t` to `DistributedError`, staging through device memory — with ranks as
/// threads, each with its own emulated GPU. Serialised: the emulation's state is shared.
@Suite(.serialized) struct NCCLCommunicatorTests {
    init() { EmulatedNCCL.shared.reset() }

    /// Runs `body` on `size` ranks, each with an emulated GPU and its NCCL communicator.
    private func withRanks<T: Sendable>(
        _ size: Int, _ body: @escaping @Sendable (NCCLCommunicator, EmulatedDevice) throws -> T
    ) throws -> [T] {
        try InProcessGroup.run(size: size, timeoutSeconds: 30) { group in
            let device = try EmulatedDevice()
            let nccl = try NCCLCommunicator(bootstrap: group, backend: device.backend, functions: EmulatedNCCL.functions)
            return try body(nccl, device)
        }
    }

    @Test func everyRankJoinsWithRankZerosUniqueId() throws {
        let names = try withRanks(3) { nccl, _ in "\(nccl.rank)/\(nccl.size) \(nccl.engineName) \(nccl.version)" }
        #expect(names == (0..<3).map { "\($0)/3 NCCL 2.21.5 (emulated libnccl) on cuda:0 22105" })
        #expect(EmulatedNCCL.shared.uniqueIdsMade == 1, "only rank 0 asks NCCL for an id")
        #expect(EmulatedNCCL.shared.liveCommunicators == 0, "dropping a communicator destroys it")
        #expect(EmulatedNCCL.shared.destroyed == 3)
    }

    @Test func hostCollectivesGoThroughDeviceMemory() throws {
        let results = try withRanks(3) { nccl, _ -> [String] in
            let r = nccl.rank
            var floats: [Float] = [1, 2, 3].map { $0 * Float(r + 1) }
            try floats.withUnsafeMutableBufferPointer { try nccl.allReduceSum($0) }
            var doubles: [Double] = [0.5, Double(r)]
            try doubles.withUnsafeMutableBufferPointer { try nccl.allReduceSum($0) }
            var bytes: [UInt8] = r == 1 ? [7, 8, 9, 10, 11] : [0, 0, 0, 0, 0]
            try bytes.withUnsafeMutableBytes { try nccl.broadcast($0, root: 1) }
            let mine: [UInt8] = [UInt8(r), UInt8(10 + r)]
            var gathered = [UInt8](repeating: 0, count: 6)
            try mine.withUnsafeBytes { input in try gathered.withUnsafeMutableBytes { try nccl.allGather(input, into: $0) } }
            try nccl.barrier()
            return ["\(floats)", "\(doubles)", "\(bytes)", "\(gathered)"]
        }
        for result in results {
            #expect(result == ["[6.0, 12.0, 18.0]", "[1.5, 3.0]", "[7, 8, 9, 10, 11]", "[0, 10, 1, 11, 2, 12]"])
        }
        let calls = EmulatedNCCL.shared.calls.filter { $0.rank == 0 }
        #expect(calls.map(\.function) == ["ncclAllReduce", "ncclAllReduce", "ncclBroadcast", "ncclAllGather", "ncclAllReduce"])
        #expect(calls.map(\.dataType) == [7, 8, 1, 1, 7], "ncclFloat32, ncclFloat64, ncclUint8, ncclUint8, ncclFloat32")
        #expect(calls.allSatisfy { $0.inPlace }, "staged collectives run in place in the staging buffer")
        #expect(calls[2].root == 1 && calls[0].op == 0)
    }

    @Test func deviceBufferCollectivesRunInPlaceOnTheBackendsStream() throws {
        let results = try withRanks(2) { nccl, device -> [[Float]] in
            let r = Float(nccl.rank)
            let buffer = device.buffer([100, 1 + r, 2 + r, 3 + r, 100])
            try nccl.allReduceSum(buffer, offset: 1, count: 3)
            let weights = device.buffer(nccl.rank == 0 ? [4, 5] : [0, 0])
            try nccl.broadcast(weights, root: 0)
            let gathered = device.buffer([0, 0, 0, 0])
            try nccl.allGather(device.buffer([r, r + 0.5]), into: gathered)
            try nccl.synchronize()
            return [device.values(buffer), device.values(weights), device.values(gathered)]
        }
        for result in results {
            #expect(result == [[100, 3, 5, 7, 100], [4, 5], [0, 0.5, 1, 1.5]])
        }
        let calls = EmulatedNCCL.shared.calls
        #expect(calls.filter { $0.function == "ncclAllReduce" }.map(\.count) == [3, 3])
        #expect(calls.allSatisfy { $0.stream == 0x50 }, "queued on the backend's stream (the emulated driver's 0x50)")
        #expect(calls.filter { $0.function != "ncclAllGather" }.allSatisfy { $0.inPlace })
    }

    @Test func aProcessGroupOverNCCLAveragesTensors() throws {
        let results = try withRanks(2) { nccl, _ -> [Float] in
            let group = ProcessGroup(nccl)
            let reduced = try group.allReduce([Tensor([Float(nccl.rank), 10]), Tensor([2, 4])], .average)
            return reduced.flatMap(\.scalars)
        }
        #expect(results == [[0.5, 10, 2, 4], [0.5, 10, 2, 4]])
    }

    @Test func aProcessGroupReducesLargeDeviceTensorsOnTheDevice() throws {
        let large = ProcessGroup.directElements + 3
        let results = try withRanks(2) { nccl, device -> [[Float]] in
            let r = Float(nccl.rank + 1)
            let gradient = device.tensor([large], (0..<large).map { Float($0 % 9) * r })
            let reduced = try ProcessGroup(nccl).allReduce([device.tensor([2], [r, 1]), gradient], .average)
            #expect(reduced[1].device == gradient.device, "the result stays on the GPU")
            return [try reduced[0].to(.cpu).scalars, try reduced[1].to(.cpu).scalars, try gradient.to(.cpu).scalars]
        }
        for result in results {
            #expect(result[0] == [1.5, 1])
            #expect(result[1] == (0..<large).map { Float($0 % 9) * 1.5 })
        }
        #expect(results[1][2] == (0..<large).map { Float($0 % 9) * 2 }, "the input is left as it was")
        let calls = EmulatedNCCL.shared.calls.filter { $0.function == "ncclAllReduce" && $0.rank == 0 }
        // The large tensor is reduced when it is reached; the bucket of small ones at the end.
        #expect(calls.map(\.count) == [large, 2])
        #expect(calls.map(\.inPlace) == [false, true], "the large tensor goes from its own memory; the small one is staged")
    }

    @Test func aFailingCallIsNamedWithNCCLsResultAndText() throws {
        EmulatedNCCL.shared.setFailure("ncclAllReduce", 5)
        let errors = try withRanks(2) { nccl, _ -> DistributedError? in
            var values: [Float] = [1]
            do { try values.withUnsafeMutableBufferPointer { try nccl.allReduceSum($0) } } catch {
                return error as? DistributedError
            }
            return nil
        }
        for error in errors {
            #expect(
                error
                    == .engineFailure(
                        operation: "ncclAllReduce", code: 5,
                        message: "ncclInvalidUsage: invalid usage (run with NCCL_DEBUG=WARN for details)"))
        }
        #expect(errors.first??.description.hasPrefix("ncclAllReduce failed with error 5: ncclInvalidUsage") == true)
    }

    @Test func anAsynchronousErrorIsReportedAfterTheStreamIsSynchronised() throws {
        EmulatedNCCL.shared.setAsynchronousError(6)
        let errors = try withRanks(2) { nccl, device -> [String] in
            var messages: [String] = []
            var values: [Float] = [1]
            do { try values.withUnsafeMutableBufferPointer { try nccl.allReduceSum($0) } } catch { messages.append("\(error)") }
            try nccl.allReduceSum(device.buffer([1]))  // queued: NCCL reports the error later
            do { try nccl.synchronize() } catch { messages.append("\(error)") }
            return messages
        }
        for messages in errors {
            #expect(messages.count == 2)
            #expect(
                messages.first?.hasPrefix("ncclCommGetAsyncError (after ncclAllReduce) failed with error 6: ncclRemoteError")
                    == true)
            #expect(messages.last?.hasPrefix("ncclCommGetAsyncError (after the queued collectives) failed with error 6") == true)
        }
    }

    @Test func rankZerosIdFailureStopsEveryRank() throws {
        EmulatedNCCL.shared.setFailure("ncclGetUniqueId", 2)
        let errors = try InProcessGroup.run(size: 2, timeoutSeconds: 30) { group -> String in
            let device = try EmulatedDevice()
            do {
                _ = try NCCLCommunicator(bootstrap: group, backend: device.backend, functions: EmulatedNCCL.functions)
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(errors[0].hasPrefix("ncclGetUniqueId failed with error 2: ncclSystemError"))
        #expect(errors[1].hasPrefix("ncclGetUniqueId (on rank 0) failed with error 2: ncclSystemError"))
    }

    @Test func aFailingInitIsNamed() throws {
        EmulatedNCCL.shared.setFailure("ncclCommInitRank", 4)
        let errors = try InProcessGroup.run(size: 2, timeoutSeconds: 30) { group -> DistributedError? in
            let device = try EmulatedDevice()
            do {
                _ = try NCCLCommunicator(bootstrap: group, backend: device.backend, functions: EmulatedNCCL.functions)
                return nil
            } catch { return error as? DistributedError }
        }
        for error in errors {
            guard case .engineFailure(let operation, let code, let message)? = error else {
                Issue.record("expected an engine failure, got \(String(describing: error))")
                continue
            }
            #expect(operation == "ncclCommInitRank" && code == 4 && message.hasPrefix("ncclInvalidArgument: invalid argument"))
        }
    }

    @Test func buffersOfAnotherDeviceOrOutsideTheRangeAreRefused() throws {
        let messages = try withRanks(1) { nccl, device -> [String] in
            var messages: [String] = []
            let host = CPUBackend.shared.allocate(count: 2)
            do { try nccl.allReduceSum(host) } catch { messages.append("\(error)") }
            do { try nccl.allReduceSum(device.buffer([1, 2]), offset: 1, count: 2) } catch { messages.append("\(error)") }
            do { try nccl.broadcast(device.buffer([1]), root: 1) } catch { messages.append("\(error)") }
            return messages
        }
        #expect(messages[0].count == 3)
        #expect(messages[0][0].contains("must be a buffer of cuda:0 (CUDABuffer)"))
        #expect(messages[0][1] == "range = 1..<3 must lie inside the buffer's 2 floats")
        #expect(messages[0][2] == "root = 1 must be in 0..<1 (the group's size)")
        #expect(EmulatedNCCL.shared.calls.isEmpty, "nothing reached NCCL")
    }

    @Test func aMissingLibraryOrSymbolIsNamed() {
        do {
            _ = try NCCLFunctions.load(candidates: ["libnccl-not-installed.so.2"])
            Issue.record("a missing library loaded")
        } catch {
            #expect(error.description.hasPrefix("no NCCL library could be loaded (tried libnccl-not-installed.so.2: "))
            #expect(error.description.contains("Install NCCL 2"))
        }
        // A library that loads but is not NCCL.
        do {
            _ = try NCCLFunctions.load(candidates: ["libc.so.6"])
            Issue.record("libc was taken for NCCL")
        } catch {
            #expect(error == .symbolMissing(library: "libc.so.6", symbol: "ncclGetUniqueId"))
        }
    }
}
