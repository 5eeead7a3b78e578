import DeepTrustSystem
import Foundation
import Testing
@testable import TensorCore

@Suite struct SafeTensorsRoundTripTests {
    private typealias Support = SafeTensorsTestSupport

    @Test func tensorsAndMetadataSurviveAFileRoundTrip() throws {
        let weight = Tensor(shape: [2, 3], scalars: [1.5, -2, 0, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, .infinity])
        let bias = Tensor(shape: [3], scalars: [0.1, 0.2, 0.3])
        let scalar = Tensor(7.25)
        let empty = Tensor.zeros([0, 4])
        let metadata = ["epoch": "3", "config": #"{"model":"cnn","latent":16}"#, "text": "tab\tnewline\n ✓ \u{1}"]
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/model.safetensors"
            try SafeTensors.write(
                ["fc.weight": weight, "fc.bias": bias, "step": scalar, "empty": empty],
                metadata: metadata, to: path)
            let file = try SafeTensors.read(path)
            #expect(file.source == path)
            #expect(file.metadata == metadata)
            #expect(file.names == ["empty", "fc.bias", "fc.weight", "step"])
            #expect(try file.tensor("fc.weight", shape: [2, 3]).scalars == weight.scalars)
            #expect(try file.tensor("fc.bias").scalars == bias.scalars)
            #expect(try file.tensor("step", shape: []).scalars == [7.25])
            #expect(try file.tensor("empty").shape == [0, 4])
            #expect(file.header.entries.allSatisfy { $0.dtype == .f32 })
        }
    }

    @Test func nanBitPatternsAreKept() throws {
        let nan = Float(bitPattern: 0x7fc0_1234)
        let file = try SafeTensors.decode(SafeTensors.encode(["x": Tensor([nan, -0.0])]))
        let back = try file.tensor("x").scalars
        #expect(back.map(\.bitPattern) == [0x7fc0_1234, (-0.0 as Float).bitPattern])
    }

    @Test func nonContiguousTensorsAreWrittenInRowMajorOrder() throws {
        let matrix = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let transposed = matrix.permuted([1, 0])
        let file = try SafeTensors.decode(SafeTensors.encode(["t": transposed]))
        let back = try file.tensor("t", shape: [3, 2])
        #expect(back.scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func layoutFollowsTheReferenceWriter() throws {
        let bytes = try SafeTensors.encode(["b": Tensor([1, 2]), "a": Tensor([3])], metadata: ["k": "v"])
        let length = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(length % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        let json =
            #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(header.hasPrefix(json))
        #expect(header.dropFirst(json.utf8.count).allSatisfy { $0 == " " })
        #expect(Array(bytes[(8 + length)...]) == Support.f32Bytes([3, 1, 2]))
    }

    @Test func encodeAndWriteProduceTheSameBytes() throws {
        let tensors = ["w": Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])]
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/w.safetensors"
            try SafeTensors.write(tensors, metadata: ["a": "b"], to: path)
            let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(written == (try SafeTensors.encode(tensors, metadata: ["a": "b"])))
        }
    }

    @Test func readHeaderListsEntriesWithoutTheData() throws {
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/h.safetensors"
            try SafeTensors.write(["x": Tensor.zeros([4, 5]), "y": Tensor.ones([3])], metadata: ["seed": "42"], to: path)
            let header = try SafeTensors.readHeader(path)
            #expect(header.metadata == ["seed": "42"])
            #expect(header.entries.map(\.name) == ["x", "y"])
            #expect(header.entry(named: "x")?.shape == [4, 5])
            #expect(header.entry(named: "x")?.dataOffsets == 0..<80)
            #expect(header.entry(named: "y")?.dataOffsets == 80..<92)
            #expect(header.dataSize == 92)
        }
    }

    @Test func lookupsNameTheFileTheTensorAndTheShapes() throws {
        let file = try SafeTensors.decode(SafeTensors.encode(["a": Tensor([1, 2])]), source: "ckpt.safetensors")
        #expect(throws: SafeTensorsError(file: "ckpt.safetensors", tensor: "b", .tensorMissing(available: ["a"]))) {
            try file.tensor("b")
        }
        let mismatch = SafeTensorsError(file: "ckpt.safetensors", tensor: "a", .shapeMismatch(expected: [3], found: [2]))
        #expect(throws: mismatch) { try file.tensor("a", shape: [3]) }
        #expect(mismatch.description == "ckpt.safetensors: tensor 'a': expected shape [3], found [2]")
    }

    @Test func theReservedNameCannotBeWritten() {
        #expect(throws: SafeTensorsError(file: "<memory>", tensor: "__metadata__", .reservedName)) {
            try SafeTensors.encode(["__metadata__": Tensor([1])])
        }
    }
}

@Suite struct SafeTensorsAtomicWriteTests {
    private typealias Support = SafeTensorsTestSupport

    @Test func overwritingReplacesTheFileAndLeavesNoTemporaryFiles() throws {
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/ckpt.safetensors"
            try SafeTensors.write(["x": Tensor([1])], to: path)
            try SafeTensors.write(["x": Tensor([2, 3])], metadata: ["epoch": "2"], to: path)
            let file = try SafeTensors.read(path)
            #expect(try file.tensor("x").scalars == [2, 3])
            #expect(file.metadata == ["epoch": "2"])
            #expect(try Support.directoryEntries(directory) == ["ckpt.safetensors"])
        }
    }

    @Test func aWriteThatFailsHalfwayKeepsTheOldFile() throws {
        struct Interrupted: Error {}
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/ckpt.safetensors"
            try SafeTensors.write(["x": Tensor([1, 2, 3])], to: path)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            var reachedWrite = false
            do throws(AtomicWriteError<Interrupted>) {
                try AtomicFile.replaceAtomically(path) { (file: borrowing AtomicFile.Descriptor) throws(Interrupted) in
                    reachedWrite = true
                    try? file.writeAll([UInt8](repeating: 0xff, count: 4096))
                    throw Interrupted()
                }
                Issue.record("the interrupted write did not throw")
            } catch {
                guard case .body = error else {
                    Issue.record("expected the writer's own error, got \(error)")
                    return
                }
            }
            #expect(reachedWrite)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(try Support.directoryEntries(directory) == ["ckpt.safetensors"])
        }
    }

    @Test func writingIntoAMissingDirectoryNamesTheFile() throws {
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/missing/ckpt.safetensors"
            do throws(SafeTensorsError) {
                try SafeTensors.write(["x": Tensor([1])], to: path)
                Issue.record("expected an error")
            } catch {
                #expect(error.file == path)
                guard case .io(let operation, let code, _) = error.problem else {
                    Issue.record("expected an I/O error, got \(error)")
                    return
                }
                #expect(operation.hasPrefix("create"))
                #expect(code == ENOENT)
                #expect(error.description.contains(path))
            }
        }
    }

    @Test func readingAMissingFileNamesIt() {
        do {
            _ = try SafeTensors.read("/nonexistent-dir/none.safetensors")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "/nonexistent-dir/none.safetensors")
            guard case .io("open", ENOENT, _) = error.problem else {
                Issue.record("expected open/ENOENT, got \(error)")
                return
            }
        }
    }
}
