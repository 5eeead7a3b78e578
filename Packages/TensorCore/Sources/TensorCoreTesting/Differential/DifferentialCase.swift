import TensorCore

/// The settings of one case's operation, read by name (a missing setting reads as NaN, 0,
/// `false` or the empty string).
public struct DifferentialArguments: Sendable {
    /// The settings as the fixture holds them.
    public let values: [String: DifferentialJSON]

    /// Settings from a fixture's `args` object.
    public init(values: [String: DifferentialJSON]) { self.values = values }

    /// A number as a float (NaN when missing).
    public func float(_ name: String) -> Float { Float(values[name]?.double ?? .nan) }
    /// A number as an integer (0 when missing).
    public func int(_ name: String) -> Int { Int(values[name]?.double ?? 0) }
    /// A number as a float, or `nil` when missing or null.
    public func optionalFloat(_ name: String) -> Float? { values[name]?.double.map(Float.init) }
    /// A boolean (`false` when missing).
    public func bool(_ name: String) -> Bool {
        if case .bool(let value) = values[name] { return value }
        return false
    }
    /// A list of integers, or `nil` when missing or null.
    public func ints(_ name: String) -> [Int]? { values[name]?.ints }
    /// A pair of integers such as a stride (`(0, 0)` when missing).
    public func pair(_ name: String) -> (Int, Int) {
        let v = ints(name) ?? [0, 0]
        return (v[0], v[1])
    }
    /// A string (empty when missing).
    public func string(_ name: String) -> String {
        if case .string(let value) = values[name] { return value }
        return ""
    }
}

/// A tensor of a fixture: its shape and values (float64).
///
/// A large result holds every ``step``-th value only; a random input is generated from its recipe
/// (see ``generatedValues(count:seed:scale:offset:)``). A value is `nil` where PyTorch's own
/// float32 answer misses its float64 one: it is not checked.
public struct DifferentialTensor: Sendable {
    /// The shape.
    public let shape: [Int]
    /// The stored values in row-major order (every ``step``-th one of the flattened tensor).
    public let values: [Double?]
    /// The stride between the stored values in the flattened tensor (1: all of them).
    public let step: Int

    /// The values as the float32 of an input (NaN for a value left out).
    public var floats: [Float] { values.map { Float($0 ?? .nan) } }

    /// The tensor a fixture's object describes: `shape` and `data` (with an optional `step`), or
    /// `shape` and a generator recipe (`lcg`, `scale`, `offset`); `nil` for anything else.
    public init?(_ json: DifferentialJSON?) {
        guard case .object(let fields) = json, let shape = fields["shape"]?.ints else { return nil }
        self.shape = shape
        if let seed = fields["lcg"]?.double, let scale = fields["scale"]?.double, let offset = fields["offset"]?.double {
            values = Self.generatedValues(
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

    /// The generator's large inputs: with s ← (1664525·s + 1013904223) mod 2³² from s = `seed`,
    /// element i is Float(s >> 8) · (`scale`·2⁻²⁴) + `offset` in float32 (the product is exact for a
    /// power-of-two scale, so only the addition rounds, as in NumPy). Returns `count` values.
    public static func generatedValues(count: Int, seed: UInt32, scale: Float, offset: Float) -> [Float] {
        var state = seed
        let multiplier = scale * 0x1p-24
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) * multiplier + offset
        }
    }
}

/// One input of a case: a contiguous float32 tensor, the views applied to it, and whether it
/// takes a gradient.
public struct DifferentialInput: Sendable {
    /// The values (made into a contiguous tensor on the CPU, then moved to the device under test).
    public let tensor: DifferentialTensor
    /// The views applied in order: `["t", a, b]` transposes, `["s", axis, start, end, step]`
    /// slices, `["e", shape]` expands, `["p", order]` permutes.
    public let views: [[DifferentialJSON]]
    /// Whether the input is a leaf that takes a gradient.
    public let requiresGradient: Bool
}

/// One generated case of the differential suite: an op, its settings and inputs, and PyTorch's
/// float64 output and gradients.
public struct DifferentialCase: Sendable, CustomStringConvertible {
    /// The generator's name for the case (unique within the suite), e.g. `elementwise.exp.3`.
    public let id: String
    /// The fixture family (file) the case comes from, such as `elementwise` or `optim`.
    public let family: String
    /// The op name the harness's op table maps to a DeepTrust op, layer or optimizer.
    public let op: String
    /// The op's settings.
    public let arguments: DifferentialArguments
    /// The inputs; for an optimizer case the initial parameter, then one gradient per step.
    public let inputs: [DifferentialInput]
    /// PyTorch's output (for an optimizer case the parameter after every step, stacked).
    public let output: DifferentialTensor
    /// PyTorch's gradient of `sum(output · upstream)` for each input (`nil` where it takes none).
    public let gradients: [DifferentialTensor?]
    /// The longest sum behind any value of the case (sets the absolute tolerance).
    public let reductionLength: Int
    /// Optimizer cases: the step after which the state is saved and loaded into a new optimizer.
    public let restoreAfter: Int?
    /// Whether PyTorch rejects the input: DeepTrust must then throw in a checking scope.
    public let expectsError: Bool

    /// Whether the case runs an optimizer (family `optim`) rather than an op.
    public var isOptimizerCase: Bool { family == "optim" }

    /// The case's ``id``.
    public var description: String { id }

    /// The case a fixture's case object describes, or `nil` when it is malformed.
    public init?(_ json: DifferentialJSON, family: String) {
        guard case .object(let f) = json, case .string(let id) = f["id"], case .string(let op) = f["op"],
            case .object(let args) = f["args"], let inputs = f["inputs"]?.array,
            let output = DifferentialTensor(f["out"]), let grads = f["grads"]?.array
        else { return nil }
        self.id = id
        self.family = family
        self.op = op
        arguments = DifferentialArguments(values: args)
        self.inputs = inputs.compactMap { input in
            guard case .object(let i) = input, let tensor = DifferentialTensor(input) else { return nil }
            let views = i["views"]?.array?.compactMap(\.array) ?? []
            if case .bool(let grad) = i["grad"] {
                return DifferentialInput(tensor: tensor, views: views, requiresGradient: grad)
            }
            return DifferentialInput(tensor: tensor, views: views, requiresGradient: false)
        }
        self.output = output
        gradients = grads.map { DifferentialTensor($0) }
        reductionLength = Int(f["k"]?.double ?? 1)
        restoreAfter = f["restoreAfter"]?.double.map { Int($0) }
        if case .bool(let error) = f["error"] { expectsError = error } else { expectsError = false }
    }

    /// The number of elements of the largest input, output or gradient.
    public var largestTensorCount: Int {
        let shapes = inputs.map(\.tensor.shape) + [output.shape] + gradients.compactMap { $0?.shape }
        return shapes.map { $0.reduce(1, *) }.max() ?? 0
    }
}
