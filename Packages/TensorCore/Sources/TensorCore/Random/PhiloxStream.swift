import CTensorKernels

/// Sequential host-side draws from Philox4x32-10 under one key, starting at a block counter.
///
/// Used where numbers are drawn on the CPU one at a time (data augmentation, shuffling). Word `i`
/// of the stream is word `i % 4` of the block at counter `(key.stream << 64) | (counter + i / 4)`,
/// the same numbering as ``Backend/fillRandom(_:count:distribution:key:counter:)``.
public struct PhiloxStream: Sendable {
    /// The key: seed and stream.
    public let key: PhiloxKey
    /// Block counter of the next block to generate.
    public private(set) var counter: UInt64
    private var block: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4

    /// A stream of the blocks of `key` starting at block `counter`.
    public init(key: PhiloxKey, counter: UInt64 = 0) {
        self.key = key
        self.counter = counter
    }

    /// The four words of the block at `counter` under `key`.
    public static func block(key: PhiloxKey, counter: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c: (UInt32, UInt32, UInt32, UInt32) = (
            UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32),
            UInt32(truncatingIfNeeded: key.stream), UInt32(truncatingIfNeeded: key.stream >> 32)
        )
        var k: (UInt32, UInt32) = (UInt32(truncatingIfNeeded: key.seed), UInt32(truncatingIfNeeded: key.seed >> 32))
        var out: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        withUnsafePointer(to: &c) { cp in
            withUnsafePointer(to: &k) { kp in
                withUnsafeMutablePointer(to: &out) { op in
                    cp.withMemoryRebound(to: UInt32.self, capacity: 4) { cw in
                        kp.withMemoryRebound(to: UInt32.self, capacity: 2) { kw in
                            op.withMemoryRebound(to: UInt32.self, capacity: 4) { ow in
                                dt_philox4x32_10(cw, kw, ow)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The next 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 {
            block = PhiloxStream.block(key: key, counter: counter)
            counter &+= 1
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return block.0
        case 1: return block.1
        case 2: return block.2
        default: return block.3
        }
    }

    /// A uniform Float in `[0, 1)`: the top 24 bits of the next word times 2⁻²⁴.
    public mutating func nextUniform() -> Float {
        Float(nextUInt32() >> 8) * 0x1p-24
    }

    /// A uniform Float in `[low, high)`.
    public mutating func nextUniform(in low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUniform()
    }

    /// A uniform integer in `0..<upperBound` (unbiased, by rejection).
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0 && upperBound <= Int(UInt32.max), "nextInt(below:) needs 0 < bound ≤ 2³²−1")
        let bound = UInt32(upperBound)
        let limit = UInt32.max - UInt32.max % bound
        while true {
            let x = nextUInt32()
            if x < limit { return Int(x % bound) }
        }
    }
}
