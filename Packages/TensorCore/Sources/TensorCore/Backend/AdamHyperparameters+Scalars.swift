/// The per-step scalars every backend's fused Adam kernel uses, derived once on the host in Float64
/// (like PyTorch, which computes them as Python floats) and rounded to Float32, so that all
/// backends apply the same numbers. Hyperparameters are widened to Float64 through their shortest
/// decimal form (`0.999` → 0.999, not 0.99900001287…), so `1 − β₂` and `β₂ᵗ` are the values
/// PyTorch computes from the same literals. Per element, with each operation rounded to Float32 and no
/// fused multiply-add:
///
/// ```text
/// g = grad + gradientWeightDecay · p          (skipped when 0)
/// p = p · decoupledDecayFactor                (skipped when 1)
/// m = m + beta1Complement · (g − m)
/// v = v · beta2 + beta2Complement · (g · g)
/// p = p − stepSize · (m / (√v / biasCorrection2Sqrt + epsilon))
/// ```
extension AdamHyperparameters {
    /// `1 − β₁`: the weight of the gradient in the first moment, `m ← m + (1 − β₁)(g − m)`.
    public var beta1Complement: Float { Float(1 - beta1.decimalWidened) }

    /// `1 − β₂`: the weight of `g²` in the second moment, `v ← β₂ v + (1 − β₂) g²`.
    public var beta2Complement: Float { Float(1 - beta2.decimalWidened) }

    /// `lr / (1 − β₁^step)`: the step size after first-moment bias correction.
    public var stepSize: Float {
        Float(learningRate.decimalWidened / (1 - Self.power(beta1.decimalWidened, step)))
    }

    /// `√(1 − β₂^step)`: the second-moment bias correction, divided out of `√v` before `ε` is added.
    public var biasCorrection2Sqrt: Float {
        Float((1 - Self.power(beta2.decimalWidened, step)).squareRoot())
    }

    /// `1 − lr · weightDecay` for decoupled decay (AdamW), `1` otherwise.
    public var decoupledDecayFactor: Float {
        decoupledWeightDecay ? Float(1 - learningRate.decimalWidened * weightDecay.decimalWidened) : 1
    }

    /// The coefficient added to the gradient as `g + λ·p` (L2 penalty); `0` for AdamW.
    public var gradientWeightDecay: Float {
        decoupledWeightDecay ? 0 : weightDecay
    }

    /// `base^exponent` by repeated squaring in Float64 (exact integer exponent, no libm needed).
    private static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0, factor = base, e = max(exponent, 0)
        while e > 0 {
            if e & 1 == 1 { result *= factor }
            factor *= factor
            e >>= 1
        }
        return result
    }
}

extension Float {
    /// The Float64 nearest to this value's shortest round-tripping decimal form: the number a
    /// user wrote as a literal (`Float(0.999)` widens to 0.999), as Python would hold it.
    var decimalWidened: Double {
        guard isFinite else { return Double(self) }
        return Double(description) ?? Double(self)
    }
}
