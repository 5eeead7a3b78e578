import TensorCore

/// The differential suite's rule for when a float32 result agrees with PyTorch's float64 answer.
///
/// |got − expected| ≤ 1e-5·√K + 1e-4·|expected|, K being the longest sum behind any value of the
/// case (the generator records it). The relative part covers the kernels' few-ulp approximations
/// (exp, tanh, sigmoid) and float32 rounding of each step; the absolute part the rounding of a
/// K-term float32 sum of O(1) terms, which grows like √K when the errors are random. NaN must
/// match NaN, and an infinity (or a value beyond the float32 range) the same infinity. A value the
/// fixture leaves out (`nil`) is not checked.
public enum DifferentialTolerance {
    /// Whether `got` agrees with `expected` for a case whose longest sum has `reductionLength` terms.
    public static func accepts(_ got: Float, _ expected: Double, reductionLength: Int) -> Bool {
        if expected.isNaN { return got.isNaN }
        if Float(expected).isInfinite { return got == Float(expected) }
        let absolute = 1e-5 * Double(reductionLength).squareRoot()
        return Swift.abs(Double(got) - expected) <= absolute + 1e-4 * Swift.abs(expected)
    }

    /// The first disagreement of `got` (on any device; its values are copied to the host) with
    /// `expected`, described (a shape, a count or the first element out of tolerance), or `nil`.
    public static func mismatch(_ got: Tensor, _ expected: DifferentialTensor, reductionLength: Int) -> String? {
        guard got.shape == expected.shape else { return "shape \(got.shape), expected \(expected.shape)" }
        let values = got.scalars
        let stored = stride(from: 0, to: values.count, by: expected.step).map { values[$0] }
        guard stored.count == expected.values.count else {
            return "\(stored.count) values to compare, expected \(expected.values.count)"
        }
        for (j, (g, value)) in zip(stored, expected.values).enumerated() {
            guard let e = value else { continue }
            if !accepts(g, e, reductionLength: reductionLength) {
                return "element \(j * expected.step) is \(g), expected \(e)"
            }
        }
        return nil
    }
}
