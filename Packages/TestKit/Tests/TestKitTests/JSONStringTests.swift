import Foundation
import TestKit
import Testing

@Suite("jsonString")
struct JSONStringTests {
    @Test("every character survives a strict JSON decoder, control characters included")
    func roundTrip() throws {
        let text = "quote \" backslash \\ newline \n return \r tab \t bell \u{07} nul \u{00} unit \u{1F} é ∞ 🙂"
        let decoded = try JSONDecoder().decode([String].self, from: Data("[\(jsonString(text))]".utf8))
        #expect(decoded == [text])
    }

    @Test("control characters are escaped, not written raw")
    func noRawControlCharacters() {
        let literal = jsonString("a\u{01}b\u{1F}c")
        #expect(literal == "\"a\\u0001b\\u001fc\"")
        #expect(!literal.unicodeScalars.contains { $0.value < 0x20 })
    }
}
