extension PhiloxStream {
    /// A uniformly random permutation of `0 ..< count` (Fisher–Yates, drawing with
    /// ``nextInt(below:)``), the same for the same key and counter on every machine.
    public mutating func permutation(of count: Int) -> [Int] {
        precondition(count >= 0 && count <= Int(UInt32.max), "permutation(of:) needs 0 ≤ count ≤ 2³²−1, got \(count)")
        var result = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = nextInt(below: i + 1)
            result.swapAt(i, j)
            i -= 1
        }
        return result
    }
}
