import TensorCore

// Finite-difference checking of autodiff gradients.

/// How ``checkGradients(at:names:options:_:)`` turns a tensor-valued function into the scalar
/// whose gradient it compares.
public enum GradientCheckProjection: Hashable, Sendable {
    /// `L = Σ f(x)`: the upstream gradient is all ones.
    case sum
    /// `L = Σ u ⊙ f(x)` with `u` uniform in [-1, 1) drawn from Philox under `seed`: every output
    /// element contributes with its own weight, so an error in one of them cannot cancel out.
    case random(seed: UInt64)
}

/// Settings of ``checkGradients(at:names:options:_:)``; the defaults suit Float32.
///
/// An element passes when `|analytic − numeric| ≤ absoluteTolerance + relativeTolerance ·
/// max(|analytic|, |numeric|) + rounding`, where `rounding` bounds what Float32 rounding of the
/// function's outputs can do to the difference quotient: `roundingUlps · 2⁻²⁴ · Σ |uᵢ| · |fᵢ| / (x⁺ − x⁻)`
/// over the outputs `fᵢ` that the perturbation changed.
///
/// Why these defaults: a central difference with step `h` has truncation error `h² · |f‴| / 6` and
/// rounding error about `u · |f| / h` (`u = 2⁻²⁴`, Float32). Their sum is smallest near
/// `h = (3u)^(1/3) ≈ 6e-3`, hence `epsilon = 5e-3` (relative to `max(1, |x|)`). The rounding part
/// is bounded per element by the `rounding` term above; the truncation part, ≈ 4e-6 · |f‴|, sits
/// well inside `relativeTolerance = 2e-3` for derivatives of ordinary size and inside
/// `absoluteTolerance = 1e-5` near zero. On TensorCore's own operations the worst element uses
/// under a fifth of its allowance, while a gradient rule that is off by 1 % fails. Points closer
/// than the step to a kink (relu, abs, clamp, max) cannot be checked by differences at all: keep
/// test inputs away from them.
public struct GradientCheckOptions: Hashable, Sendable {
    /// Step of the central difference, relative to `max(1, |x|)`.
    public var epsilon: Double
    /// Difference that always passes, in the gradient's units (what matters near zero).
    public var absoluteTolerance: Double
    /// Allowed difference as a fraction of the larger of the two gradients' magnitudes.
    public var relativeTolerance: Double
    /// Assumed accuracy of the function's Float32 outputs, in units of 2⁻²⁴ of their magnitude.
    public var roundingUlps: Double
    /// How a tensor-valued function is reduced to the scalar whose gradient is compared.
    public var projection: GradientCheckProjection
    /// At most this many elements of each input are checked (evenly spaced, always including the
    /// first and last); `nil` checks all of them.
    public var maxElementsPerInput: Int?

    /// Options with the given settings; every default is the one explained above.
    public init(
        epsilon: Double = 5e-3, absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 2e-3,
        roundingUlps: Double = 8, projection: GradientCheckProjection = .random(seed: 0x5eed),
        maxElementsPerInput: Int? = nil
    ) {
        self.epsilon = epsilon
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.roundingUlps = roundingUlps
        self.projection = projection
        self.maxElementsPerInput = maxElementsPerInput
    }
}

/// One checked element: where it is and how the two gradients compare.
public struct GradientCheckElement: Hashable, Sendable, CustomStringConvertible {
    /// Position of the input in the list passed to the check.
    public var inputIndex: Int
    /// Name of the input (from `names`, else `"input N"`).
    public var inputName: String
    /// Shape of that input.
    public var inputShape: [Int]
    /// The element's multi-index in the input (row-major, one entry per dimension).
    public var index: [Int]
    /// The autodiff gradient of the projected scalar with respect to the element.
    public var analytic: Double
    /// The central-difference estimate of the same derivative.
    public var numeric: Double
    /// `|analytic − numeric|`.
    public var error: Double
    /// The largest difference that passes for this element (absolute, relative and rounding
    /// allowances together).
    public var allowed: Double

    /// `error / allowed`: at most 1 for a passing element.
    public var ratio: Double { allowed > 0 ? error / allowed : (error == 0 ? 0 : .infinity) }

    public var description: String {
        "\(inputName) \(inputShape) at \(index): analytic \(analytic), numeric \(numeric), "
            + "error \(error) (allowed \(allowed))"
    }
}

/// The outcome of ``checkGradients(at:names:options:_:)``.
public struct GradientCheckResult: Hashable, Sendable, CustomStringConvertible {
    /// True when every checked element is within tolerance.
    public var passed: Bool { failures == 0 && problem == nil }
    /// The element with the largest `error / allowed` (`nil` when no element was checked).
    public var worst: GradientCheckElement?
    /// Number of elements compared.
    public var checkedElements: Int
    /// How many of the compared elements were outside their allowance.
    public var failures: Int
    /// Why no comparison was possible (the function does not depend on its inputs through
    /// autodiff, a tensor failure, …), or `nil`.
    public var problem: String?

    public var description: String {
        if let problem { return "gradient check impossible: \(problem)" }
        let verdict = passed ? "passed" : "FAILED at \(failures) of \(checkedElements) elements"
        return "gradient check \(verdict); worst: \(worst.map(\.description) ?? "none")"
    }
}

/// Compares the autodiff gradients of `function` at `inputs` with central differences.
///
/// Each input is copied into a fresh leaf that requires gradients (same device and values). The
/// function's output `f` is projected to the scalar `L = Σ u ⊙ f` (see ``GradientCheckProjection``),
/// `L.backward` gives the analytic gradients, and each checked element `xⱼ` is perturbed by
/// `±h` to get `(L(x⁺) − L(x⁻)) / (x⁺ⱼ − x⁻ⱼ)`, where the denominator uses the perturbed values
/// after rounding to Float32 and `L` is accumulated in Double from the Float32 outputs.
///
/// - Parameters:
///   - inputs: the points to check at, any shapes and layouts (they are copied).
///   - names: names of the inputs in the result (default `input 0`, `input 1`, …).
///   - options: step, tolerances, projection and sampling (defaults suit Float32).
///   - function: the function under test; it runs several times per element, without gradients
///     for the differences.
/// - Returns: the worst element and the number of failures. A function that does not record
///   autodiff history for its output is checked against zero gradients.
/// - Throws: what `function` throws.
public func checkGradients(
    at inputs: [Tensor], names: [String]? = nil, options: GradientCheckOptions = .init(),
    _ function: ([Tensor]) throws -> Tensor
) rethrows -> GradientCheckResult {
    let names = names ?? inputs.indices.map { "input \($0)" }
    let hosts = inputs.map(\.scalars)
    func leaves(_ values: [[Float]], requiringGrad: Bool) -> [Tensor] {
        zip(inputs, values).map { input, scalars in
            var leaf = Tensor(shape: input.shape, scalars: scalars, backend: input.backend)
            leaf.requiresGrad = requiringGrad
            return leaf
        }
    }

    // Analytic gradients through one backward pass of the projected output.
    let points = leaves(hosts, requiringGrad: true)
    let output = try function(points)
    let weights: [Float]
    switch options.projection {
    case .sum:
        weights = [Float](repeating: 1, count: output.count)
    case .random(let seed):
        var stream = PhiloxStream(key: PhiloxKey(seed: seed, stream: 0x6772_6164))
        weights = (0..<output.count).map { _ in stream.nextUniform(in: -1, 1) }
    }
    var analytic: [[Float]] = inputs.map { [Float](repeating: 0, count: $0.count) }
    if output.gradientOp != nil {
        output.backward(Tensor(shape: output.shape, scalars: weights, backend: output.backend))
        for (i, point) in points.enumerated() {
            if let grad = point.grad { analytic[i] = grad.scalars }
        }
    }

    // Central differences, one element at a time.
    func evaluate(_ values: [[Float]]) throws -> [Float] {
        try withNoGrad { try function(leaves(values, requiringGrad: false)).scalars }
    }
    var result = GradientCheckResult(worst: nil, checkedElements: 0, failures: 0, problem: nil)
    for (i, input) in inputs.enumerated() {
        for j in sampledIndices(count: input.count, limit: options.maxElementsPerInput) {
            let x = Double(hosts[i][j])
            let h = options.epsilon * max(1, abs(x))
            var plus = hosts, minus = hosts
            plus[i][j] = Float(x + h)
            minus[i][j] = Float(x - h)
            let step = Double(plus[i][j]) - Double(minus[i][j])
            let (up, down) = (try evaluate(plus), try evaluate(minus))
            guard up.count == weights.count, down.count == weights.count else {
                result.problem =
                    "the output changed from \(output.count) to \(up.count) elements when "
                    + "\(names[i]) was perturbed"
                return result
            }
            var difference = 0.0, noise = 0.0
            for k in weights.indices where up[k] != down[k] || up[k].isNaN {
                let w = Double(weights[k])
                difference += w * (Double(up[k]) - Double(down[k]))
                noise += abs(w) * max(abs(Double(up[k])), abs(Double(down[k])))
            }
            let numeric = difference / step
            let a = Double(analytic[i][j])
            let error = abs(a - numeric)
            let allowed =
                options.absoluteTolerance + options.relativeTolerance * max(abs(a), abs(numeric))
                + options.roundingUlps * 0x1p-24 * noise / step
            let element = GradientCheckElement(
                inputIndex: i, inputName: names[i], inputShape: input.shape,
                index: ShapeRules.multiIndex(ofFlatIndex: j, in: input.shape), analytic: a, numeric: numeric,
                error: error, allowed: allowed)
            result.checkedElements += 1
            if !(error <= allowed) { result.failures += 1 }
            if result.worst == nil || !(element.ratio <= result.worst!.ratio) { result.worst = element }
        }
    }
    return result
}

/// `limit` evenly spaced indices below `count` (including the first and the last), or all.
private func sampledIndices(count: Int, limit: Int?) -> [Int] {
    guard let limit, limit < count else { return Array(0..<count) }
    if limit <= 1 { return count > 0 ? [0] : [] }
    return Array(Set((0..<limit).map { $0 * (count - 1) / (limit - 1) })).sorted()
}
