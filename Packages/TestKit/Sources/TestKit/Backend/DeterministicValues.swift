/// Reproducible pseudo-random test values (a 64-bit linear congruential generator), used by the
/// conformance check and the tests so that a failure can be replayed.
struct DeterministicValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    /// The next value, uniform in `range`.
    mutating func next(in range: ClosedRange<Float> = -2...2) -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let unit = Float(state >> 40) / Float(1 << 24)
        return range.lowerBound + (range.upperBound - range.lowerBound) * unit
    }

    /// `count` values uniform in `range`.
    mutating func array(_ count: Int, in range: ClosedRange<Float> = -2...2) -> [Float] {
        (0..<count).map { _ in next(in: range) }
    }
}

/// Largest `|a − b| / max(1, |b|)` over two arrays; NaN must meet NaN; ∞ when lengths differ.
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        if x.isNaN || y.isNaN {
            if x.isNaN != y.isNaN { return .infinity }
            continue
        }
        if x == y { continue }
        worst = max(worst, abs(x - y) / max(1, abs(y)))
    }
    return worst
}
