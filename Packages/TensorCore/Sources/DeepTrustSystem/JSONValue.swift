/// A JSON value, decoded from or encoded to any JSON text through `Codable` (the caller brings
/// the coder, Foundation's `JSONDecoder` say; this module stays free of Foundation).
///
/// What the differential fixtures hold (as `DifferentialJSON` in TensorCoreTesting) and what
/// `bench` reads from its companion scripts and writes in its reports.
public enum JSONValue: Codable, Equatable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

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
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value; a non-finite number (which JSON cannot hold) is written as 0.
    ///
    /// - Throws: the encoder's `EncodingError`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value.isFinite ? value : 0)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The member `key` of an object (`nil` when absent or for any other value).
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The elements of an array (`nil` for any other value).
    public var array: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The value of a number (`nil` for any other value).
    public var number: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The text of a string (`nil` for any other value).
    public var string: String? {
        if case .string(let string) = self { return string }
        return nil
    }
}
