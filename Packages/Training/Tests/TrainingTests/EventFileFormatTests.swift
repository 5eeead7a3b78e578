import Testing
@testable import Training
import TrainingChecks

/// The protobuf and TFRecord layers, checked against TensorBoard's own writer (the fixture from
/// Tools/python/fixtures/make_event_fixture.py; the values below are the ones listed in that script).
@Suite struct EventFileFormatTests {
    private static let fixture = TrainingTestSupport.fixtures
        .appendingPathComponent("events/events.out.tfevents.1700000000.fixture").path

    @Test func varintsAndFixedFieldsFollowTheWireFormat() {
        var writer = ProtobufWriter()
        writer.int(1, 300)
        #expect(writer.bytes == [0x08, 0xac, 0x02])
        writer = ProtobufWriter()
        writer.int(2, -1)
        #expect(writer.bytes == [0x10] + [UInt8](repeating: 0xff, count: 9) + [0x01])
        writer = ProtobufWriter()
        writer.float(2, 1)
        #expect(writer.bytes == [0x15, 0x00, 0x00, 0x80, 0x3f])
        writer = ProtobufWriter()
        writer.string(20, "ab")
        #expect(writer.bytes == [0xa2, 0x01, 0x02, 0x61, 0x62])
    }

    @Test func readerRejectsMalformedMessages() {
        func firstError(_ bytes: [UInt8]) -> String? {
            var reader = ProtobufReader(bytes[...])
            do {
                while try reader.next() != nil {}
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(firstError([0x08, 0x80]) == "varint runs past the end of the message")
        #expect(firstError([0x0a, 0x05, 0x01]) == "field 1 declares 5 bytes but 1 remain")
        #expect(firstError([0x0b]) == "unsupported wire type 3 in field 1")
        #expect(firstError([0x09, 0x01, 0x02]) == "8-byte field runs past the end of the message")
        #expect(firstError([0x00]) == "invalid field number 0")
        #expect(firstError([0x08] + [UInt8](repeating: 0xff, count: 11)) == "varint longer than 10 bytes")
        #expect(firstError([0x08, 0x96, 0x01, 0x12, 0x00]) == nil)
    }

    @Test func readsTheFileTensorBoardWrote() throws {
        let events = try EventFileReader.events(inFile: Self.fixture)
        #expect(events.count == 5)
        #expect(events.map(\.wallTime) == (0..<5).map { 1_700_000_000 + Double($0) })
        #expect(events.map(\.step) == [0, 1, 2, 3, 4])
        #expect(events[0].content == .fileVersion("brain.Event:2"))
        #expect(events[1].content == .summary([SummaryValue(tag: "train/loss", kind: .scalar(12.5))]))
        #expect(
            events[2].content
                == .summary([
                    SummaryValue(tag: "train/loss", kind: .scalar(-0.375)),
                    SummaryValue(tag: "train/kl", kind: .scalar(3)),
                ]))
        guard case .summary(let gray) = events[3].content, case .image(let grayImage)? = gray.first?.kind,
            case .summary(let rgb) = events[4].content, case .image(let rgbImage)? = rgb.first?.kind
        else {
            Issue.record("events 3 and 4 must be image summaries")
            return
        }
        #expect(gray.first?.tag == "test/0")
        #expect(grayImage.width == 5)
        #expect(grayImage.height == 3)
        #expect(grayImage.colorspace == 1)
        // The PNGs were made by Pillow: our decoder reads a third-party encoder's output.
        let grayPixels = try PNGDecoder.decode(grayImage.encodedImage)
        #expect(grayPixels.format == .gray)
        var expectedGray: [UInt8] = []
        for y in 0..<3 { for x in 0..<5 { expectedGray.append(UInt8(40 * x + 10 * y)) } }
        #expect(grayPixels.pixels == expectedGray)
        #expect(rgbImage.width == 2)
        #expect(rgbImage.height == 2)
        #expect(rgbImage.colorspace == 3)
        let rgbPixels = try PNGDecoder.decode(rgbImage.encodedImage)
        var expectedRGB: [UInt8] = []
        for y in 0..<2 { for x in 0..<2 { expectedRGB += [UInt8(100 * x), UInt8(100 * y), 255] } }
        #expect(rgbPixels.pixels == expectedRGB)
    }

    /// Framing, masked CRCs and protobuf layout are byte-for-byte those of TensorBoard's writer.
    @Test func encodesRecordsExactlyAsTensorBoardDoes() throws {
        let bytes = try TrainingTestSupport.bytes(Self.fixture)
        let payloads = try TFRecord.payloads(bytes, file: Self.fixture)
        var rebuilt: [UInt8] = []
        for payload in payloads {
            let event = try TensorBoardEvent.decode(payload)
            #expect(event.encoded() == Array(payload))
            rebuilt += TFRecord.frame(event.encoded())
        }
        #expect(rebuilt == bytes)
        // The first record's length field (24) and its masked CRC as TensorBoard stored them.
        #expect(Array(bytes[0..<12]) == [0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22])
    }

    @Test func corruptRecordsNameTheFileAndTheRecord() throws {
        let bytes = try TrainingTestSupport.bytes(Self.fixture)
        let payloads = try TFRecord.payloads(bytes, file: "f")
        let secondRecord = 16 + payloads[0].count
        func error(_ bytes: [UInt8]) -> EventFileError? {
            do {
                _ = try TFRecord.payloads(bytes, file: "run/events")
                return nil
            } catch {
                return error
            }
        }
        var flippedLength = bytes
        flippedLength[secondRecord] ^= 0x01
        guard case .lengthChecksumMismatch? = error(flippedLength)?.problem else {
            Issue.record("a changed length must fail its CRC")
            return
        }
        #expect(error(flippedLength)?.record == 1)
        var flippedPayload = bytes
        flippedPayload[secondRecord + 14] ^= 0x40
        let payloadError = error(flippedPayload)
        guard case .payloadChecksumMismatch? = payloadError?.problem else {
            Issue.record("a changed payload must fail its CRC")
            return
        }
        #expect(payloadError?.record == 1)
        #expect(payloadError?.description.hasPrefix("run/events: record 1: payload CRC-32C") == true)
        let cut = Array(bytes.dropLast(3))
        #expect(
            error(cut)
                == EventFileError(
                    file: "run/events", record: 4, .truncated(expected: 16 + payloads[4].count, found: 16 + payloads[4].count - 3)
                ))
        let header = Array(bytes.prefix(secondRecord + 5))
        #expect(error(header) == EventFileError(file: "run/events", record: 1, .truncated(expected: 12, found: 5)))
        #expect(error([]) == nil)
    }

    @Test func aFileWithoutTheVersionRecordIsRejected() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/events.out.tfevents.1.x"
            let event = TensorBoardEvent(wallTime: 1, step: 1, content: .summary([SummaryValue(tag: "a", kind: .scalar(1))]))
            try TrainingTestSupport.write(TFRecord.frame(event.encoded()), to: path)
            #expect(throws: EventFileError(file: path, record: 0, .missingFileVersion)) {
                try EventFileReader.events(inFile: path)
            }
            try TrainingTestSupport.write(TFRecord.frame([0x0b]), to: path)
            do throws(EventFileError) {
                _ = try EventFileReader.events(inFile: path)
                Issue.record("a payload that is not an Event must be rejected")
            } catch {
                #expect(error.record == 0)
                guard case .malformedEvent(let reason) = error.problem else {
                    Issue.record("expected malformedEvent, got \(error)")
                    return
                }
                #expect(reason.contains("wire type 3"))
            }
        }
    }

    @Test func aMissingDirectoryOrFileIsNamed() {
        #expect(throws: EventFileError.self) { try EventFileReader.run("/nonexistent/run") }
        do {
            _ = try EventFileReader.events(inFile: "/nonexistent/events.out.tfevents.1.x")
            Issue.record("a missing file must be reported")
        } catch {
            #expect(error.file == "/nonexistent/events.out.tfevents.1.x")
            #expect(error.description.contains("open failed"))
        }
    }
}
