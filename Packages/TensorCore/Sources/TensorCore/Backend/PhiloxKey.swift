/// Key of the counter-based Philox4x32-10 generator: `seed` is the 64-bit Philox key and `stream`
/// the high 64 bits of the 128-bit counter, so distinct streams never overlap.
public struct PhiloxKey: Hashable, Sendable {
    /// The 64-bit Philox key.
    public var seed: UInt64
    /// The high 64 bits of the 128-bit counter; each stream is an independent sequence.
    public var stream: UInt64

    /// The key `seed` on stream `stream` (stream 0 by default).
    public init(seed: UInt64, stream: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
    }
}
