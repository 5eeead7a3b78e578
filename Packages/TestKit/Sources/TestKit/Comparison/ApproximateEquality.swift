import TensorCore

/// How two tensors of the same shape differ, element by element.
///
/// Closeness follows `torch.allclose`: element `i` is close when
/// `|actual[i] − expected[i]| ≤ atol + rtol · |expected[i]|`; NaN is never close to anything,
/// and an infinity is close only to the same infinity.
public struct TensorDifference: Sendable, Equatable, CustomStringConvertible {
    /// Largest `|actual − expected|` over all elements (`.infinity` when a NaN or a lone infinity occurs).
    public var maxAbsoluteDifference: Float
    /// Index (one entry per dimension) of the element with the largest difference.
    public var index: [Int]
    /// `actual` and `expected` at ``index``.
    public var actual: Float, expected: Float
    /// Number of elements that are not close under the tolerances used.
    public var mismatches: Int
    /// Number of elements compared.
    public var count: Int

    /// True when every element is close.
    public var isClose: Bool { mismatches == 0 }

    public var description: String {
        "max |Δ| = \(maxAbsoluteDifference) at \(index) (actual \(actual), expected \(expected)); "
            + "\(mismatches) of \(count) elements not close"
    }
}

/// Compares two tensors (on any devices) element by element; see ``TensorDifference``.
///
/// - Throws: ``CheckFailure`` when the shapes differ.
public func difference(
    _ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5,
    atol: Float = 1e-6
) throws(CheckFailure) -> TensorDifference {
    guard actual.shape == expected.shape else {
        throw CheckFailure(
            "shapes differ: \(actual.shape) versus expected \(expected.shape)",
            at: CheckLocation(shape: actual.shape))
    }
    return difference(actual.scalars, expected.scalars, shape: actual.shape, rtol: rtol, atol: atol)
}

/// Compares two arrays of the same length, reporting indices in `shape` (flat when `nil`).
public func difference(
    _ actual: [Float], _ expected: [Float], shape: [Int]? = nil, rtol: Float = 1e-5,
    atol: Float = 1e-6
) -> TensorDifference {
    precondition(actual.count == expected.count, "difference(_:_:) needs arrays of one length")
    var worst = 0
    var worstValue: Float = -1
    var mismatches = 0
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        let delta: Float
        if a == e {
            delta = 0
        } else if a.isNaN || e.isNaN || a.isInfinite || e.isInfinite {
            delta = .infinity
        } else {
            delta = abs(a - e)
        }
        if !(delta <= atol + rtol * abs(e)) { mismatches += 1 }
        if delta > worstValue { worstValue = delta; worst = i }
    }
    let dims = shape ?? [actual.count]
    return TensorDifference(
        maxAbsoluteDifference: max(worstValue, 0), index: ShapeRules.multiIndex(ofFlatIndex: worst, in: dims),
        actual: actual.isEmpty ? 0 : actual[worst], expected: expected.isEmpty ? 0 : expected[worst],
        mismatches: mismatches, count: actual.count)
}

/// Throws when `actual` and `expected` are not close (see ``TensorDifference``), naming `what`,
/// the element with the largest difference and the tolerances.
///
/// ```swift
/// try expectClose(movedOutput, output, rtol: 1e-5, atol: 1e-5, "output after the round trip to cuda:0")
/// ```
/// - Throws: ``CheckFailure`` with the index and the ``Deviation`` (max |Δ| against `atol + rtol·|expected|`).
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6,
    _ what: String = "tensors", at location: CheckLocation = CheckLocation()
) throws(CheckFailure) {
    let diff: TensorDifference
    do throws(CheckFailure) {
        diff = try difference(actual, expected, rtol: rtol, atol: atol)
    } catch {
        throw CheckFailure("\(what): \(error.message)", at: location.merging(error.location))
    }
    guard diff.isClose else {
        throw CheckFailure(
            "\(what) differ: \(diff.mismatches) of \(diff.count) elements not close; at the largest "
                + "difference actual \(diff.actual), expected \(diff.expected) (rtol \(rtol), atol \(atol))",
            at: location.merging(CheckLocation(element: diff.index, shape: actual.shape)),
            deviation: Deviation(
                "max |Δ|", observed: Double(diff.maxAbsoluteDifference),
                limit: Double(atol + rtol * abs(diff.expected))))
    }
}

/// Throws unless `actual` and `expected` are identical bit for bit (same shape, same values; NaNs equal).
/// - Throws: ``CheckFailure`` naming `what`, the first differing element and the max |Δ|.
public func expectIdentical(
    _ actual: Tensor, _ expected: Tensor, _ what: String = "tensors",
    at location: CheckLocation = CheckLocation()
) throws(CheckFailure) {
    guard actual.shape == expected.shape else {
        throw CheckFailure(
            "\(what): shapes differ, \(actual.shape) versus \(expected.shape)",
            at: location.merging(CheckLocation(shape: actual.shape)))
    }
    let a = actual.scalars, e = expected.scalars
    guard let first = a.indices.first(where: { a[$0].bitPattern != e[$0].bitPattern && !(a[$0].isNaN && e[$0].isNaN) })
    else { return }
    let diff = difference(a, e, shape: actual.shape, rtol: 0, atol: 0)
    throw CheckFailure(
        "\(what) are not identical: first difference at \(ShapeRules.multiIndex(ofFlatIndex: first, in: actual.shape)) "
            + "(\(a[first]) versus \(e[first])), \(diff.mismatches) of \(diff.count) elements differ",
        at: location.merging(
            CheckLocation(element: ShapeRules.multiIndex(ofFlatIndex: first, in: actual.shape), shape: actual.shape)),
        deviation: Deviation("max |Δ|", observed: Double(diff.maxAbsoluteDifference), limit: 0))
}
