// Random tensors: uniform and normal fills on any backend from a RandomGenerator.
//
// Numbering (identical on every backend, see Backend.fillRandom): a draw of `count` numbers
// reserves blocks `c ..< c + ⌈count/4⌉` of the generator's stream `s`; element `i` (row-major)
// uses word `i % 4` of the Philox4x32-10 block at 128-bit counter `(s << 64) | (c + i/4)` under
// the key `seed`.
//
// - Uniform: `u = (word >> 8) · 2⁻²⁴` in [0, 1) (24 random bits, exact in Float32), and
//   `x = low + (high − low) · u` in Float32 with each operation rounded separately (no fused
//   multiply-add); a result that rounds up to `high` becomes the largest Float32 below `high`.
// - Normal (Box–Muller on word pairs (0, 1) and (2, 3) of each block): `u1 = ((w0 >> 8) + 1) · 2⁻²⁴`
//   in (0, 1], `u2 = (w1 >> 8) · 2⁻²⁴` in [0, 1), `r = √(−2 ln u1)`, `n0 = r cos(2π u2)`,
//   `n1 = r sin(2π u2)` (likewise `n2`, `n3` from words 2 and 3), `x = mean + std · n`, computed in
//   Float64 and rounded once to Float32. Backends agree to the last bit except where their Float64
//   `log`/`sin`/`cos` differ across a Float32 rounding boundary (about 2⁻²⁸ per element).

extension Tensor {
    /// Uniform numbers on `[low, high)` of `shape` on `device` (the CPU by default), from `generator`
    /// (the same numbers on every device for the same generator state).
    ///
    /// Reports a ``TensorError`` (thrown inside ``withTensorChecking(_:)``) for a negative dimension,
    /// `low > high`, or a non-finite bound or range. `device` must be available: check it with
    /// ``Device/checkAvailable()`` where it is chosen (an unavailable device stops the process as a
    /// programmer error).
    public static func rand(
        _ shape: [Int], low: Float = 0, high: Float = 1,
        generator: RandomGenerator = .default, device: Device = .cpu
    ) -> Tensor {
        rand(shape, low: low, high: high, generator: generator, backend: device.resolvedBackend)
    }

    /// Uniform numbers on `[low, high)` of `shape` on `backend`'s device, from `generator`.
    package static func rand(
        _ shape: [Int], low: Float = 0, high: Float = 1,
        generator: RandomGenerator = .default, backend: any Backend
    ) -> Tensor {
        let valid = low.isFinite && high.isFinite && (high - low).isFinite && low <= high
        return random(
            shape, .uniform(low: low, high: high), op: "rand",
            invalid: valid ? nil : "needs finite bounds with low ≤ high, got [\(low), \(high))",
            generator: generator, backend: backend)
    }

    /// Uniform numbers on `[low, high)` with the shape and device of `other` (created there, not copied).
    public static func rand(
        like other: Tensor, low: Float = 0, high: Float = 1,
        generator: RandomGenerator = .default
    ) -> Tensor {
        rand(other.shape, low: low, high: high, generator: generator, backend: other.backend)
    }

    /// Normal numbers with `mean` and standard deviation `std` of `shape` on `device` (the CPU by
    /// default), from `generator` (Box–Muller, see the numbering above).
    ///
    /// Reports a ``TensorError`` for a negative dimension, a non-finite mean, or a negative or
    /// non-finite `std`. `device` must be available: check it with ``Device/checkAvailable()`` where
    /// it is chosen (an unavailable device stops the process as a programmer error).
    public static func randn(
        _ shape: [Int], mean: Float = 0, std: Float = 1,
        generator: RandomGenerator = .default, device: Device = .cpu
    ) -> Tensor {
        randn(shape, mean: mean, std: std, generator: generator, backend: device.resolvedBackend)
    }

    /// Normal numbers with `mean` and standard deviation `std` of `shape` on `backend`'s device.
    package static func randn(
        _ shape: [Int], mean: Float = 0, std: Float = 1,
        generator: RandomGenerator = .default, backend: any Backend
    ) -> Tensor {
        let valid = mean.isFinite && std.isFinite && std >= 0
        return random(
            shape, .normal(mean: mean, std: std), op: "randn",
            invalid: valid ? nil : "needs a finite mean and a finite std ≥ 0, got mean \(mean), std \(std)",
            generator: generator, backend: backend)
    }

    /// Normal numbers with the shape and device of `other` (created there, not copied), e.g. the
    /// reparameterisation noise of a VAE: `Tensor.randn(like: mu)`.
    public static func randn(
        like other: Tensor, mean: Float = 0, std: Float = 1,
        generator: RandomGenerator = .default
    ) -> Tensor {
        randn(other.shape, mean: mean, std: std, generator: generator, backend: other.backend)
    }

    /// `shape` filled from `distribution`; reports a ``TensorError`` for an invalid shape (and
    /// returns an empty tensor) or, when `invalid` says what is wrong with the distribution's
    /// parameters, reports that (and returns zeros of `shape`).
    private static func random(
        _ shape: [Int], _ distribution: RandomDistribution, op: String, invalid: String?,
        generator: RandomGenerator, backend: any Backend
    ) -> Tensor {
        guard validRandomShape(shape, op: op) else { return full([0], value: 0, backend: backend) }
        if let invalid {
            reportTensorFailure(TensorError(.invalidArgument, op: op, invalid))
            return full(shape, value: 0, backend: backend)
        }
        return filled(shape, distribution, op: op, generator: generator, backend: backend)
    }

    private static func validRandomShape(_ shape: [Int], op: String) -> Bool {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            reportTensorFailure(TensorError(.invalidShape, op: op, "negative dimension in shape \(shape)"))
            return false
        }
        guard TensorStorage.elementCount(of: shape) != nil else {
            reportTensorFailure(TensorError(.invalidShape, op: op, TensorStorage.overflowMessage(shape)))
            return false
        }
        return true
    }

    private static func filled(
        _ shape: [Int], _ distribution: RandomDistribution, op: String,
        generator: RandomGenerator, backend: any Backend
    ) -> Tensor {
        let layout = StridedLayout(contiguous: shape)
        let storage = TensorStorage(shape: shape, count: layout.count, op: op, backend: backend)
        let (key, counter) = generator.reserve(count: layout.count)
        backend.fillRandom(storage.buffer, count: layout.count, distribution: distribution, key: key, counter: counter)
        return Tensor(storage: storage, layout: layout)
    }
}
