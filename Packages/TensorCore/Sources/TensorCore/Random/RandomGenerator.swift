import Synchronization

/// A seeded source of Philox4x32-10 numbers shared by tensor fills: a 64-bit seed (the Philox key)
/// and, per stream, the offset of the next unused counter block.
///
/// Every draw reserves `⌈count / 4⌉` consecutive blocks on its stream (one block yields four
/// uniform words or four normals) and advances the offset past them, atomically, so concurrent
/// draws from several threads never overlap and every draw is reproducible from
/// `(seed, stream, offset)`. The numbers depend only on those three values, never on the device
/// or the thread count (see ``Tensor/rand(_:low:high:generator:)``).
///
/// ```swift
/// let generator = RandomGenerator(seed: 42)
/// let a = Tensor.randn([2, 3], generator: generator)   // blocks 0 and 1 of stream 0
/// let b = Tensor.randn([2, 3], generator: generator)   // blocks 2 and 3
/// ```
public final class RandomGenerator: Sendable {
    /// The process-wide generator used when no generator is passed: tensor creation, layer
    /// initialisation, dropout, VAE noise. Seed it with ``makeDeterministic(seed:)``.
    public static let `default` = RandomGenerator(seed: 0)

    private let state: Mutex<RandomGeneratorState>

    /// A generator with `seed` and every stream at offset 0.
    public init(seed: UInt64) {
        state = Mutex(RandomGeneratorState(seed: seed))
    }

    /// The Philox key of this generator.
    public var seed: UInt64 { state.withLock { $0.seed } }

    /// Sets a new seed and rewinds every stream to offset 0.
    public func reseed(_ seed: UInt64) {
        state.withLock { $0 = RandomGeneratorState(seed: seed) }
    }

    /// The counter block the next draw on `stream` starts at.
    public func offset(stream: UInt64 = 0) -> UInt64 {
        state.withLock { $0.offsets[stream] ?? 0 }
    }

    /// Moves `stream` to `offset` (to replay or skip draws).
    public func setOffset(_ offset: UInt64, stream: UInt64 = 0) {
        state.withLock { $0.offsets[stream] = offset }
    }

    /// Reserves the blocks for `count` numbers on `stream`: returns the key and the first block
    /// counter to use, and advances the stream by `⌈count / 4⌉` blocks.
    public func reserve(count: Int, stream: UInt64 = 0) -> (key: PhiloxKey, counter: UInt64) {
        let blocks = UInt64((max(count, 0) + 3) / 4)
        return state.withLock { state in
            let first = state.offsets[stream] ?? 0
            state.offsets[stream] = first &+ blocks
            return (PhiloxKey(seed: state.seed, stream: stream), first)
        }
    }

    /// A host-side stream of `blocks` reserved blocks on `stream`, for numbers drawn one at a time.
    public func makeStream(blocks: Int, stream: UInt64 = 0) -> PhiloxStream {
        let (key, counter) = reserve(count: blocks * 4, stream: stream)
        return PhiloxStream(key: key, counter: counter)
    }

    /// A copy of the seed and every stream's offset (for checkpoints).
    public var snapshot: RandomGeneratorState {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// The complete state of a ``RandomGenerator``: restoring it replays the same numbers.
public struct RandomGeneratorState: Hashable, Sendable, Codable {
    /// The Philox key.
    public var seed: UInt64
    /// Next unused block counter per stream (absent streams are at 0).
    public var offsets: [UInt64: UInt64]

    /// A state from its parts.
    public init(seed: UInt64, offsets: [UInt64: UInt64] = [:]) {
        self.seed = seed
        self.offsets = offsets
    }
}

/// Makes runs reproducible: the one entry point that seeds every source of randomness in
/// DeepTrust. It
/// - reseeds ``RandomGenerator/default`` with `seed` and rewinds all its streams, which covers
///   ``Tensor/rand(_:low:high:generator:)``, ``Tensor/randn(_:mean:std:generator:)`` and everything
///   built on them without an explicit generator (layer initialisation, dropout masks, VAE noise),
///   on every device, since all backends draw the same Philox numbers;
/// - sets ``Determinism/seed``, which data loaders created without an explicit seed use for
///   shuffling and per-sample augmentation keys, and which backends read through
///   ``Determinism/isRequested`` to choose deterministic kernels.
///
/// Generators created with their own seed and loaders given an explicit seed are not touched:
/// they are reproducible by construction.
public func makeDeterministic(seed: UInt64) {
    RandomGenerator.default.reseed(seed)
    Determinism.request(seed: seed)
}

/// Whether ``makeDeterministic(seed:)`` was called, and with which seed.
public enum Determinism {
    private static let state = Mutex<UInt64?>(nil)

    /// The seed of the last ``makeDeterministic(seed:)`` call, or `nil` when it was never called.
    public static var seed: UInt64? { state.withLock { $0 } }

    /// True once ``makeDeterministic(seed:)`` was called: backends then avoid kernels whose
    /// results depend on scheduling (for example atomics-based reductions).
    public static var isRequested: Bool { seed != nil }

    static func request(seed: UInt64) { state.withLock { $0 = seed } }
}
