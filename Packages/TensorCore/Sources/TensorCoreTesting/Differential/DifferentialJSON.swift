// The differential fixtures written by Tools/python/fixtures/make_differential_fixtures.py (its header
// describes the format): PyTorch's float64 answers for generated cases over the op surface.

/// A JSON value as the differential fixtures hold it.
///
/// It is `Decodable` (a standard-library protocol), so a test target decodes a fixture file with
/// Foundation's `JSONDecoder` and hands the result to ``DifferentialFixtures``; this module stays
/// free of Foundation.
public enum DifferentialJSON: Decodable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([DifferentialJSON])
    /// An object.
    case object([String: DifferentialJSON])

    /// Decodes any JSON value.
    ///
    /// - Throws: the decoder's `DecodingError` when the input is no JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([DifferentialJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: DifferentialJSON].self))
        }
    }

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

    /// The elements of an array (`nil` for any other value).
    public var array: [DifferentialJSON]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The numbers of an array, as integers (`nil` when the value is no array).
    public var ints: [Int]? { array?.compactMap { $0.double.map { Int($0) } } }
}
