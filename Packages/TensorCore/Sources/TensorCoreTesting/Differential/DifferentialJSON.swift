// The differential fixtures written by Tools/python/fixtures/make_differential_fixtures.py (its header
// describes the format): PyTorch's float64 answers for generated cases over the op surface.

import DeepTrustSystem

/// A JSON value as the differential fixtures hold it: DeepTrustSystem's ``JSONValue``.
///
/// It is `Decodable` (a standard-library protocol), so a test target decodes a fixture file with
/// Foundation's `JSONDecoder` and hands the result to ``DifferentialFixtures``; this module stays
/// free of Foundation.
public typealias DifferentialJSON = JSONValue

extension JSONValue {
    /// A number; NaN and the infinities are written as the strings "nan", "inf" and "-inf".
    public var double: Double? {
        switch self {
        case .number(let value): return value
        case .string("nan"): return .nan
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        default: return nil
        }
    }

    /// The numbers of an array, as integers (`nil` when the value is no array).
    public var ints: [Int]? { array?.compactMap { $0.double.map { Int($0) } } }
}
