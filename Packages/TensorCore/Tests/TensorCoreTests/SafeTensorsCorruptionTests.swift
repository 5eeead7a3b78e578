import Foundation
import Testing
import TensorCore

/// Every way a safetensors file can be broken is reported with the file, the tensor and the
/// expected and found values — and never crashes or allocates by the header's word.
@Suite struct SafeTensorsCorruptionTests {
    private typealias Support = SafeTensorsTestSupport
    private let file = "forged.safetensors"

    private func error(_ json: String, data: [UInt8] = []) -> SafeTensorsError? {
        Support.decodeError(Support.file(json: json, data: data))
    }

    private func expectMalformed(_ json: String, at offset: Int, mentioning words: String) {
        guard case .malformedJSON(let found, let reason)? = error(json)?.problem else {
            Issue.record("expected malformed JSON for \(json), got \(String(describing: error(json)))")
            return
        }
        #expect(found == offset, "\(json): \(reason)")
        #expect(reason.contains(words), "\(json): \(reason)")
    }

    @Test func filesShorterThanTheLengthField() {
        #expect(Support.decodeError([]) == SafeTensorsError(file: file, .fileTooShort(size: 0)))
        #expect(Support.decodeError([8, 0, 0, 0, 0, 0, 0]) == SafeTensorsError(file: file, .fileTooShort(size: 7)))
    }

    @Test func headerLengthsBeyondTheLimitOrTheFile() {
        let huge = Support.file(headerBytes: Array("{}".utf8), declaredLength: 1 << 62)
        #expect(Support.decodeError(huge) == SafeTensorsError(file: file, .headerTooLarge(declared: 1 << 62, limit: 100_000_000)))
        let maxed = Support.file(headerBytes: [], declaredLength: .max)
        #expect(Support.decodeError(maxed) == SafeTensorsError(file: file, .headerTooLarge(declared: .max, limit: 100_000_000)))
        let long = Support.file(headerBytes: Array("{}".utf8), declaredLength: 50)
        #expect(Support.decodeError(long) == SafeTensorsError(file: file, .headerBeyondFile(declared: 50, available: 2)))
    }

    @Test func headerThatIsNotUTF8() {
        let bytes = Support.file(headerBytes: [UInt8(ascii: "{"), 0xff, 0xfe, UInt8(ascii: "}")], declaredLength: 4)
        #expect(Support.decodeError(bytes) == SafeTensorsError(file: file, .headerNotUTF8))
    }

    @Test func malformedJSONIsLocated() {
        expectMalformed("", at: 0, mentioning: "expected a value")
        expectMalformed("{", at: 1, mentioning: "expected a string key")
        expectMalformed(#"{"a":}"#, at: 5, mentioning: "expected a value")
        expectMalformed(#"{"a" 1}"#, at: 5, mentioning: "expected ':'")
        expectMalformed(#"{"a":1,}"#, at: 7, mentioning: "expected a string key")
        expectMalformed(#"{"a":1 "b":2}"#, at: 7, mentioning: "expected ',' or '}'")
        expectMalformed(#"{} x"#, at: 3, mentioning: "after the end of the document")
        expectMalformed(#"{}\#u{0}"#, at: 2, mentioning: "after the end")
        expectMalformed(#"{"a\q":1}"#, at: 4, mentioning: "invalid escape")
        expectMalformed("{\"a\u{1}\":1}", at: 3, mentioning: "control character")
        expectMalformed(#"{"a":"unterminated}"#, at: 19, mentioning: "unterminated string")
        expectMalformed(#"{"a":01}"#, at: 6, mentioning: "expected ',' or '}'")
        expectMalformed(#"{"a":1.}"#, at: 7, mentioning: "digit after '.'")
        expectMalformed(#"{"a":-}"#, at: 6, mentioning: "expected a digit")
        expectMalformed(#"{"a":tru}"#, at: 5, mentioning: "expected 'true'")
        expectMalformed(#"{"\ud800x":1}"#, at: 8, mentioning: "without a low surrogate")
        expectMalformed(#"{"\udc00":1}"#, at: 8, mentioning: "lone low surrogate")
        expectMalformed(#"{"\u12g4":1}"#, at: 6, mentioning: "hex digit")
        guard case .malformedJSON(0, let reason)? = error("[1]")?.problem else {
            Issue.record("a top-level array must be rejected")
            return
        }
        #expect(reason.contains("not an object"))
    }

    @Test func deepNestingIsRejectedWithoutRecursingForever() {
        let deep = #"{"a":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        guard case .malformedJSON(_, let reason)? = error(deep)?.problem else {
            Issue.record("deep nesting must be rejected")
            return
        }
        #expect(reason.contains("nesting deeper than"))
    }

    @Test func entriesWithMissingOrMistypedFields() {
        func invalid(_ json: String, tensor: String = "a") -> String? {
            guard let error = error(json), error.tensor == tensor, case .invalidEntry(let reason) = error.problem else {
                return nil
            }
            return reason
        }
        #expect(invalid(#"{"a":[]}"#)?.contains("found an array") == true)
        #expect(invalid(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#) == "missing field 'dtype'")
        #expect(invalid(#"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#) == "missing field 'shape'")
        #expect(invalid(#"{"a":{"dtype":"F32","shape":[1]}}"#) == "missing field 'data_offsets'")
        #expect(invalid(#"{"a":{"dtype":1,"shape":[1],"data_offsets":[0,4]}}"#) == "field 'dtype' must be a string")
        #expect(
            invalid(#"{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#)
                == "field 'dtype' appears more than once")
        #expect(invalid(#"{"a":{"dtype":"F32","shape":{},"data_offsets":[0,4]}}"#)?.contains("field 'shape'") == true)
        #expect(invalid(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#) == "shape[0] must be a non-negative integer")
        #expect(
            invalid(#"{"a":{"dtype":"F32","shape":[1,1.0],"data_offsets":[0,4]}}"#) == "shape[1] must be a non-negative integer")
        #expect(
            invalid(#"{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}"#) == "shape[0] must be a non-negative integer")
        #expect(invalid(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#)?.contains("two non-negative integers") == true)
        #expect(
            invalid(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#)?.contains("two non-negative integers") == true)
        #expect(
            invalid(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#)?.contains("below 2^63") == true
        )
        #expect(
            invalid(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":["0","4"]}}"#)?.contains("non-negative integers") == true)
    }

    @Test func unknownAndUnsupportedDTypes() {
        #expect(
            error(#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
                == SafeTensorsError(file: file, tensor: "w", .unknownDType("F33")))
        #expect(
            error(#"{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
                == SafeTensorsError(file: file, tensor: "w", .unknownDType("f32")))
        #expect(
            error(#"{"w":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}"#, data: [0])
                == SafeTensorsError(file: file, tensor: "w", .unsupportedDType("F4")))
    }

    @Test func shapesWhoseSizeOverflows() {
        let huge = 1 << 62
        #expect(
            error(#"{"w":{"dtype":"F32","shape":[\#(huge),4],"data_offsets":[0,4]}}"#)
                == SafeTensorsError(file: file, tensor: "w", .shapeOverflow(shape: [huge, 4])))
        #expect(
            error(#"{"w":{"dtype":"F64","shape":[\#(huge)],"data_offsets":[0,4]}}"#)
                == SafeTensorsError(file: file, tensor: "w", .shapeOverflow(shape: [huge])))
    }

    @Test func byteCountsThatDisagreeWithShapeAndDType() {
        let problem = error(#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, data: Array(repeating: 0, count: 20))
        #expect(
            problem
                == SafeTensorsError(
                    file: file, tensor: "w", .byteCountMismatch(dtype: "F32", shape: [2, 3], expected: 24, found: 20)))
        #expect(problem?.description == "forged.safetensors: tensor 'w': 24 data bytes expected for F32 [2, 3], found 20")
    }

    @Test func offsetsThatAreReversedOutOfRangeOverlappingOrGapped() {
        #expect(
            error(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#)
                == SafeTensorsError(file: file, tensor: "w", .offsetsReversed(begin: 8, end: 4)))
        // A header that claims more data than the file holds (also what a truncated file looks like).
        #expect(
            error(#"{"w":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}"#, data: [1, 2, 3, 4])
                == SafeTensorsError(file: file, tensor: "w", .offsetsOutOfRange(end: 4_000_000_000, dataSize: 4)))
        let overlap =
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(
            error(overlap, data: Array(repeating: 0, count: 12))
                == SafeTensorsError(file: file, tensor: "b", .offsetsNotContiguous(expectedBegin: 8, foundBegin: 4)))
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let gapError = error(gap, data: Array(repeating: 0, count: 12))
        #expect(gapError == SafeTensorsError(file: file, tensor: "b", .offsetsNotContiguous(expectedBegin: 4, foundBegin: 8)))
        #expect(gapError?.description.contains("(gap)") == true)
        let late = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(
            error(late, data: Array(repeating: 0, count: 8))
                == SafeTensorsError(file: file, tensor: "a", .offsetsNotContiguous(expectedBegin: 0, foundBegin: 4)))
    }

    @Test func dataLeftOverAfterTheLastTensor() {
        #expect(
            error(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 6))
                == SafeTensorsError(file: file, .dataSizeMismatch(expected: 4, found: 6)))
        #expect(error("{}", data: [0]) == SafeTensorsError(file: file, .dataSizeMismatch(expected: 0, found: 1)))
    }

    @Test func duplicateNamesAndBadMetadata() {
        let duplicate =
            #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#
        #expect(error(duplicate) == SafeTensorsError(file: file, tensor: "a", .duplicateTensor))
        #expect(
            error(#"{"__metadata__":{"k":1}}"#)
                == SafeTensorsError(file: file, .invalidMetadata("value of 'k' must be a string, found a number")))
        #expect(
            error(#"{"__metadata__":["k"]}"#)
                == SafeTensorsError(file: file, .invalidMetadata("expected an object of strings, found an array")))
        #expect(
            error(#"{"__metadata__":{"k":"a","k":"b"}}"#)
                == SafeTensorsError(file: file, .invalidMetadata("key 'k' appears more than once")))
        #expect(
            error(#"{"__metadata__":{},"__metadata__":{}}"#)
                == SafeTensorsError(file: file, .invalidMetadata("'__metadata__' appears more than once")))
    }

    @Test func aValidHandWrittenFileIsAccepted() throws {
        // Whitespace, escaped names and extra fields are allowed, as in the reference reader.
        let json = " {\"\\u00e9t\\u00e9\" : {\"dtype\": \"F32\", \"shape\": [1, 2], \"data_offsets\": [0, 8], \"extra\": null}}  "
        let decoded = try SafeTensors.decode(Support.file(json: json, data: Support.f32Bytes([1, 2])))
        #expect(try decoded.tensor("été", shape: [1, 2]).scalars == [1, 2])
    }

    @Test func everyTruncationOfAValidFileIsReported() throws {
        let valid = try SafeTensors.encode(["a": Tensor([1, 2, 3]), "b": Tensor.ones([2, 2])], metadata: ["k": "v"])
        for length in 0..<valid.count {
            #expect(Support.decodeError(Array(valid.prefix(length))) != nil, "prefix of \(length) bytes was accepted")
        }
    }

    @Test func truncatedFilesOnDiskAreReported() throws {
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/cut.safetensors"
            let valid = try SafeTensors.encode(["a": Tensor([1, 2, 3])])
            try Data(valid.dropLast(2)).write(to: URL(fileURLWithPath: path))
            #expect(throws: SafeTensorsError(file: path, tensor: "a", .offsetsOutOfRange(end: 12, dataSize: 10))) {
                try SafeTensors.read(path)
            }
            try Data(valid.prefix(20)).write(to: URL(fileURLWithPath: path))
            let headerLength = valid.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            #expect(throws: SafeTensorsError(file: path, .headerBeyondFile(declared: headerLength, available: 12))) {
                try SafeTensors.readHeader(path)
            }
        }
    }

    @Test func randomByteFlipsNeverCrash() throws {
        let valid = try SafeTensors.encode(["a": Tensor([1, 2, 3]), "b": Tensor.ones([2, 2])], metadata: ["k": "v"])
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var rejected = 0
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<(1 + Int(next() % 3)) {
                bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
            }
            if Support.decodeError(bytes) != nil { rejected += 1 }
        }
        // Flips inside the data section are legitimately accepted; most others are rejected.
        #expect(rejected > 500)
    }
}
