/// Random distributions a backend fills buffers with (see ``Backend/fillRandom(_:count:distribution:key:counter:)``).
public enum RandomDistribution: Hashable, Sendable {
    /// Uniform on `[low, high)`.
    case uniform(low: Float, high: Float)
    /// Normal with the given mean and standard deviation (Box–Muller).
    case normal(mean: Float, std: Float)
}
