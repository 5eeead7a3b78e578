import MNISTData
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    // Test vectors of FIPS 180-4 (NIST's examples) and the empty message.
    @Test(
        "published test vectors",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ])
    func vectors(message: String, digest: String) {
        #expect(SHA256.hex(of: Array(message.utf8)) == digest)
    }

    @Test("one million times 'a', fed in uneven pieces")
    func millionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hash = SHA256()
        var offset = 0
        var piece = 1
        while offset < message.count {
            let end = min(message.count, offset + piece)
            hash.update(Array(message[offset..<end]))
            offset = end
            piece = piece * 3 % 997 + 1
        }
        #expect(hash.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(SHA256.hex(of: message) == hash.finalizeHex())
    }

    @Test("padding boundaries: pieces and whole messages agree for lengths 0…130")
    func boundaries() {
        let message = (0..<130).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for length in 0...message.count {
            let whole = SHA256.hex(of: Array(message.prefix(length)))
            var hash = SHA256()
            for byte in message.prefix(length) { hash.update([byte]) }
            #expect(hash.finalizeHex() == whole, "length \(length)")
        }
        // Different lengths give different digests (the length is part of the padding).
        let digests = Set((0...message.count).map { SHA256.hex(of: Array(message.prefix($0))) })
        #expect(digests.count == message.count + 1)
    }
}
