import Foundation

// The differential fixtures written by Tools/fixtures/make_differential_fixtures.py (its header
// describes the format): PyTorch's float64 answers for generated cases over the op surface.

/// A JSON value as the fixtures hold it.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
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

    /// A number; NaN and the infinities are written as the strings "nan", "inf" and "-inf".
    var double: Double? {
        switch self {
        case .number(let value): return value
        case .string("nan"): return .nan
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        default: return nil
        }
    }

    var array: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    var ints: [Int]? { array?.compactMap { $0.double.map { Int($0) } } }
}

/// The settings of one case's operation, read by name.
struct Arguments: Sendable {
    let values: [String: JSONValue]

    func float(_ name: String) -> Float { Float(values[name]?.double ?? .nan) }
    func int(_ name: String) -> Int { Int(values[name]?.double ?? 0) }
    func optionalFloat(_ name: String) -> Float? { values[name]?.double.map(Float.init) }
    func bool(_ name: String) -> Bool {
        if case .bool(let value) = values[name] { return value }
        return false
    }
    func ints(_ name: String) -> [Int]? { values[name]?.ints }
    func pair(_ name: String) -> (Int, Int) {
        let v = ints(name) ?? [0, 0]
        return (v[0], v[1])
    }
    func string(_ name: String) -> String {
        if case .string(let value) = values[name] { return value }
        return ""
    }
}

/// A tensor of a fixture: its shape and values (float64). A large result holds every `step`-th
/// value only; a random input is generated from its recipe (see ``generatedValues(count:seed:scale:offset:)``).
/// A value is `nil` where PyTorch's own float32 answer misses its float64 one: it is not checked.
struct FixtureTensor: Sendable {
    let shape: [Int]
    let values: [Double?]
    /// The values as the float32 of an input.
    var floats: [Float] { values.map { Float($0 ?? .nan) } }
    /// The stride between the stored values in the flattened tensor (1: all of them).
    let step: Int

    init?(_ json: JSONValue?) {
        guard case .object(let fields) = json, let shape = fields["shape"]?.ints else { return nil }
        self.shape = shape
        if let seed = fields["lcg"]?.double, let scale = fields["scale"]?.double, let offset = fields["offset"]?.double {
            values = generatedValues(
                count: shape.reduce(1, *), seed: UInt32(seed), scale: Float(scale), offset: Float(offset)
            ).map { Double($0) }
            step = 1
        } else if let data = fields["data"]?.array {
            values = data.map(\.double)
            step = fields["step"]?.double.map { Int($0) } ?? 1
        } else {
            return nil
        }
    }
}

/// The generator's large inputs: with s ← (1664525·s + 1013904223) mod 2³² from s = seed, element
/// i is Float(s >> 8) · (scale·2⁻²⁴) + offset in float32 (the product is exact for a power-of-two
/// scale, so only the addition rounds, as in NumPy).
func generatedValues(count: Int, seed: UInt32, scale: Float, offset: Float) -> [Float] {
    var state = seed
    let multiplier = scale * 0x1p-24
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return Float(state >> 8) * multiplier + offset
    }
}

/// One input: a contiguous float32 tensor, the views applied to it, and whether it takes a gradient.
struct FixtureInput: Sendable {
    let tensor: FixtureTensor
    let views: [[JSONValue]]
    let requiresGradient: Bool
}

/// One generated case.
struct FixtureCase: Sendable, CustomStringConvertible {
    let id: String
    let op: String
    let arguments: Arguments
    let inputs: [FixtureInput]
    let output: FixtureTensor
    let gradients: [FixtureTensor?]
    /// The longest sum behind any value of the case.
    let reductionLength: Int
    /// Optimizer cases: the step after which the state is saved and loaded into a new optimizer.
    let restoreAfter: Int?
    /// Whether PyTorch rejects the input: DeepTrust must then throw in a checking scope.
    let expectsError: Bool

    var description: String { id }

    init?(_ json: JSONValue) {
        guard case .object(let f) = json, case .string(let id) = f["id"], case .string(let op) = f["op"],
            case .object(let args) = f["args"], let inputs = f["inputs"]?.array,
            let output = FixtureTensor(f["out"]), let grads = f["grads"]?.array
        else { return nil }
        self.id = id
        self.op = op
        arguments = Arguments(values: args)
        self.inputs = inputs.compactMap { input in
            guard case .object(let i) = input, let tensor = FixtureTensor(input) else { return nil }
            let views = i["views"]?.array?.compactMap(\.array) ?? []
            if case .bool(let grad) = i["grad"] {
                return FixtureInput(tensor: tensor, views: views, requiresGradient: grad)
            }
            return FixtureInput(tensor: tensor, views: views, requiresGradient: false)
        }
        self.output = output
        gradients = grads.map { FixtureTensor($0) }
        reductionLength = Int(f["k"]?.double ?? 1)
        restoreAfter = f["restoreAfter"]?.double.map { Int($0) }
        if case .bool(let error) = f["error"] { expectsError = error } else { expectsError = false }
    }
}

/// The fixture families (one file each) and their cases, read once.
enum Fixtures {
    static let families = ["elementwise", "reduce", "linalg", "conv", "views", "nn", "optim", "empty", "large"]

    static let directory =
        String(#filePath).split(separator: "/", omittingEmptySubsequences: false).dropLast()
        .joined(separator: "/") + "/Fixtures"

    /// The cases of every family, or the reason a file could not be read.
    static let cases: [String: Result<[FixtureCase], FixtureError>] = {
        var all: [String: Result<[FixtureCase], FixtureError>] = [:]
        for family in families {
            all[family] = load(family)
        }
        return all
    }()

    private static func load(_ family: String) -> Result<[FixtureCase], FixtureError> {
        let path = "\(directory)/\(family).json"
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(FixtureError(message: "cannot read \(path)"))
        }
        do {
            let root = try JSONDecoder().decode(JSONValue.self, from: data)
            guard case .object(let fields) = root, let list = fields["cases"]?.array else {
                return .failure(FixtureError(message: "\(path): no case list"))
            }
            let cases = list.compactMap(FixtureCase.init)
            guard cases.count == list.count else {
                return .failure(FixtureError(message: "\(path): \(list.count - cases.count) malformed cases"))
            }
            return .success(cases)
        } catch {
            return .failure(FixtureError(message: "\(path): \(error)"))
        }
    }
}

/// Why a fixture file could not be used.
struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
