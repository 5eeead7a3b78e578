import Testing
import TensorCore

/// Known-answer vectors from Random123 (Salmon et al.), kat_vectors for philox4x32_10.
@Suite struct PhiloxKnownAnswerTests {
    @Test func zeroCounterZeroKey() {
        let out = PhiloxStream.block(key: PhiloxKey(seed: 0, stream: 0), counter: 0)
        #expect([out.0, out.1, out.2, out.3] == [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8])
    }

    @Test func allOnes() {
        let out = PhiloxStream.block(
            key: PhiloxKey(seed: 0xffffffff_ffffffff, stream: 0xffffffff_ffffffff),
            counter: 0xffffffff_ffffffff)
        #expect([out.0, out.1, out.2, out.3] == [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd])
    }

    @Test func piDigits() {
        // counter 243f6a88 85a308d3 13198a2e 03707344, key a4093822 299f31d0
        let out = PhiloxStream.block(
            key: PhiloxKey(seed: 0x299f31d0_a4093822, stream: 0x03707344_13198a2e),
            counter: 0x85a308d3_243f6a88)
        #expect([out.0, out.1, out.2, out.3] == [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1])
    }
}
