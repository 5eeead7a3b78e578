import Testing
@testable import TensorCore

/// The header JSON reader and writer on their own.
@Suite struct SafeTensorsJSONTests {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" { "a" : [1, -2.5e3, true, false, null, "x"], "b": {} } "#)
        #expect(
            value
                == .object([
                    JSONMember(
                        key: "a",
                        value: .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .string("x")])),
                    JSONMember(key: "b", value: .object([])),
                ]))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try parse(#""q\" b\\ s\/ \b\f\n\r\t \u00e9 \ud83d\ude00""#)
        #expect(value == .string("q\" b\\ s/ \u{8}\u{c}\n\r\t é 😀"))
    }

    @Test func integersAreReadOnlyWhenExact() throws {
        #expect(try parse("0").nonNegativeInteger == 0)
        #expect(try parse("9223372036854775807").nonNegativeInteger == Int.max)
        #expect(try parse("9223372036854775808").nonNegativeInteger == nil)
        #expect(try parse("-1").nonNegativeInteger == nil)
        #expect(try parse("1.0").nonNegativeInteger == nil)
        #expect(try parse("1e2").nonNegativeInteger == nil)
        #expect(try parse("\"1\"").nonNegativeInteger == nil)
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = JSONParser.maximumDepth
        _ = try parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        #expect(throws: JSONParseError.self) {
            try parse(String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1))
        }
    }

    @Test func writtenStringsParseBackToThemselves() throws {
        let samples = ["plain", "quote \" and \\", "controls \u{0}\u{1}\u{8}\u{c}\n\r\t\u{1f}", "é ✓ 😀", ""]
        for sample in samples {
            var bytes: [UInt8] = []
            appendJSONString(sample, to: &bytes)
            #expect(try JSONParser.parse(bytes) == .string(sample))
        }
        var bytes: [UInt8] = []
        appendJSONString("\u{1}\n", to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #""\u0001\n""#)
    }
}
