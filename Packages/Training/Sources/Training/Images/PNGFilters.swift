/// The five PNG scanline filters (None, Sub, Up, Average, Paeth), applied per byte with `bpp`
/// bytes per pixel; `previous` is the unfiltered row above (zeros for the first row).
package enum PNGFilters {
    package static let none: UInt8 = 0, sub: UInt8 = 1, up: UInt8 = 2, average: UInt8 = 3, paeth: UInt8 = 4

    @inline(__always)
    static func paethPredictor(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    /// The prediction of byte `i` of a row under `filter`.
    @inline(__always)
    static func prediction(
        _ filter: UInt8, row: UnsafeBufferPointer<UInt8>, previous: UnsafeBufferPointer<UInt8>,
        at i: Int, bpp: Int
    ) -> UInt8 {
        let left = i >= bpp ? row[i - bpp] : 0
        let above = previous[i]
        let upperLeft = i >= bpp ? previous[i - bpp] : 0
        switch filter {
        case sub: return left
        case up: return above
        case average: return UInt8((Int(left) + Int(above)) / 2)
        case paeth: return paethPredictor(left, above, upperLeft)
        default: return 0
        }
    }

    /// `row` filtered with `filter` (the filter-type byte is not included).
    static func filter(
        _ row: UnsafeBufferPointer<UInt8>, previous: UnsafeBufferPointer<UInt8>,
        filter: UInt8, bpp: Int
    ) -> [UInt8] {
        (0..<row.count).map { row[$0] &- prediction(filter, row: row, previous: previous, at: $0, bpp: bpp) }
    }

    /// Reverses `filter` in place on `row`.
    package static func unfilter(
        _ row: UnsafeMutableBufferPointer<UInt8>, previous: UnsafeBufferPointer<UInt8>,
        filter: UInt8, bpp: Int
    ) {
        for i in 0..<row.count {
            row[i] = row[i] &+ prediction(filter, row: UnsafeBufferPointer(row), previous: previous, at: i, bpp: bpp)
        }
    }
}
