import Testing
import TensorCore

/// Largest absolute elementwise difference of two equally long arrays.
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
    return zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
}

/// Expects `actual` to match `expected` elementwise within `tolerance` (absolute).
func expectClose(
    _ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "element counts differ", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    let difference = maxDifference(actual, expected)
    #expect(
        difference <= tolerance, "max difference \(difference) > \(tolerance): \(actual) vs \(expected)",
        sourceLocation: sourceLocation)
}

/// The error thrown inside a checking scope by `body`, or `nil`.
func tensorError(_ body: () -> Void) -> TensorError? {
    do {
        try withTensorChecking { body() }
        return nil
    } catch let error as TensorError {
        return error
    } catch {
        return nil
    }
}
