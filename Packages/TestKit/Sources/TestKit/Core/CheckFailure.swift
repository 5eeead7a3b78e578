import TensorCore

/// Why a check failed: what went wrong, where, and by how much.
///
/// The ``description`` is one readable paragraph, e.g.
/// `model.batchIndependence: masking sample 2's output did not zero its input gradient
/// [sample 2, input shape [4, 8]] (max |grad| = 0.031, limit 0)`.
/// The structured fields let tests (and tools such as `dlcheck`) name the culprit precisely.
///
/// A struct rather than an enum: every check family (model, dataset, loss, trainer, and checks
/// users write) fails in its own words, so the kind of failure is the ``check`` name and the
/// ``message``, while the parts tools act on — the ``location`` and the ``deviation`` — have the
/// same shape for all of them.
public struct CheckFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Name of the failing check (filled in by ``Check/run(on:)``), e.g. `"model.allParametersUpdated"`.
    public var check: String
    /// What went wrong, in one sentence.
    public var message: String
    /// Where it went wrong (split, sample index, parameter, tensor shape, device, …).
    public var location: CheckLocation
    /// By how much, when the check measures something against a limit.
    public var deviation: Deviation?
    /// Further failures of the same check (for example one per split or per parameter),
    /// each with its own location.
    public var others: [CheckFailure]

    /// A failure; `check` is left empty when raised inside a check body (``Check/run(on:)`` fills it).
    public init(
        check: String = "", _ message: String, at location: CheckLocation = CheckLocation(),
        deviation: Deviation? = nil, others: [CheckFailure] = []
    ) {
        self.check = check
        self.message = message
        self.location = location
        self.deviation = deviation
        self.others = others
    }

    /// One failure standing for several: the first with the rest as ``others``, or `nil` when empty.
    public static func combining(_ failures: [CheckFailure]) -> CheckFailure? {
        guard var first = failures.first else { return nil }
        first.others += failures.dropFirst()
        return first
    }

    /// Every failure this one stands for (itself first, then ``others``), flattened.
    public var all: [CheckFailure] {
        var head = self
        head.others = []
        return [head] + others.flatMap(\.all)
    }

    public var description: String {
        let lines = all.map { failure -> String in
            var text = failure.message
            let place = failure.location.description
            if !place.isEmpty { text += " [\(place)]" }
            if let deviation = failure.deviation { text += " (\(deviation))" }
            return text
        }
        let prefix = check.isEmpty ? "" : "\(check): "
        if lines.count == 1 { return prefix + lines[0] }
        return prefix + "\(lines.count) failures:\n" + lines.map { "  - " + $0 }.joined(separator: "\n")
    }

    /// The failure with ``check`` set (and the same for ``others``) when it is still empty.
    func attributed(to name: String) -> CheckFailure {
        var copy = self
        if copy.check.isEmpty { copy.check = name }
        copy.others = others.map { $0.attributed(to: name) }
        return copy
    }
}

/// Where a check found a problem. Every field is optional; those set are printed in a fixed order.
public struct CheckLocation: Sendable, Equatable, CustomStringConvertible {
    /// Dataset split, e.g. `"train"`.
    public var split: String?
    /// Sample index within the split or the batch.
    public var sample: Int?
    /// Dotted parameter (or buffer) name, e.g. `"decoder.2.weight"`.
    public var parameter: String?
    /// Index of an element within a tensor (one entry per dimension).
    public var element: [Int]?
    /// Shape of the tensor concerned.
    public var shape: [Int]?
    /// Device concerned.
    public var device: Device?
    /// Logging tag, e.g. `"train/loss"`.
    public var tag: String?
    /// Training step or epoch number.
    public var step: Int?
    /// Anything else worth saying about the place (e.g. `"second read"`).
    public var detail: String?

    /// A location with the fields that apply; the others stay `nil` and are not printed.
    public init(
        split: String? = nil, sample: Int? = nil, parameter: String? = nil, element: [Int]? = nil,
        shape: [Int]? = nil, tag: String? = nil, step: Int? = nil, detail: String? = nil,
        device: Device? = nil
    ) {
        self.split = split; self.sample = sample; self.parameter = parameter; self.element = element
        self.shape = shape; self.device = device; self.tag = tag; self.step = step; self.detail = detail
    }

    public var description: String {
        var parts: [String] = []
        if let split { parts.append("split \(split)") }
        if let sample { parts.append("sample \(sample)") }
        if let parameter { parts.append("parameter \(parameter)") }
        if let element { parts.append("element \(element)") }
        if let shape { parts.append("shape \(shape)") }
        if let device { parts.append("device \(device)") }
        if let tag { parts.append("tag \(tag)") }
        if let step { parts.append("step \(step)") }
        if let detail { parts.append(detail) }
        return parts.joined(separator: ", ")
    }

    /// This location with the fields of `other` that are set there taking precedence.
    public func merging(_ other: CheckLocation) -> CheckLocation {
        CheckLocation(
            split: other.split ?? split, sample: other.sample ?? sample,
            parameter: other.parameter ?? parameter, element: other.element ?? element,
            shape: other.shape ?? shape, tag: other.tag ?? tag, step: other.step ?? step,
            detail: other.detail ?? detail, device: other.device ?? device)
    }
}

/// A measured quantity against the limit it broke, e.g. `max |Δ| = 0.31, limit 1e-05`.
public struct Deviation: Sendable, Equatable, CustomStringConvertible {
    /// What was measured, e.g. `"max |Δ|"`.
    public var quantity: String
    /// The measured value.
    public var observed: Double
    /// The limit it should have respected.
    public var limit: Double

    /// `quantity` measured at `observed` against `limit`.
    public init(_ quantity: String, observed: Double, limit: Double) {
        self.quantity = quantity
        self.observed = observed
        self.limit = limit
    }

    public var description: String { "\(quantity) = \(observed), limit \(limit)" }
}
