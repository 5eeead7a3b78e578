import Data
import Synchronization
import TensorCore

/// A small labelled image dataset whose samples are a pure function of (content key, index), with
/// optional keyed augmentation and switchable defects, for testing the dataset checks.
struct SyntheticImages: Dataset {
    /// Deliberate bugs.
    enum Defect: Sendable, Equatable {
        case none
        /// Values mapped to [0, 1] instead of [-1, 1].
        case scaledToUnit
        /// Augmentation drawn from a process-wide counter instead of the sample context.
        case unkeyedAugmentation
        /// Sample `index` has another shape.
        case wrongShape(at: Int)
        /// Sample `index` holds a NaN.
        case notFinite(at: Int)
        /// Sample `index` has label `classes`.
        case labelOutOfRange(at: Int)
    }

    let count: Int
    /// Seeds the contents; two splits with different keys share no sample.
    let contentKey: UInt64
    let shape: [Int]
    let classes: Int
    let augment: Bool
    let defect: Defect
    /// Indices whose contents are copied from another key's sample: `index → (key, index)` (leakage).
    let copies: [Int: (key: UInt64, index: Int)]

    init(
        count: Int, contentKey: UInt64, shape: [Int] = [1, 4, 4], classes: Int = 3, augment: Bool = false,
        defect: Defect = .none, copies: [Int: (key: UInt64, index: Int)] = [:]
    ) {
        self.count = count; self.contentKey = contentKey; self.shape = shape; self.classes = classes
        self.augment = augment; self.defect = defect; self.copies = copies
    }

    /// The unaugmented view of the same samples.
    var unaugmented: SyntheticImages {
        SyntheticImages(
            count: count, contentKey: contentKey, shape: shape, classes: classes, augment: false,
            defect: defect, copies: copies)
    }

    func example(at index: Int, context: SampleContext) throws -> Example {
        let source = copies[index] ?? (contentKey, index)
        let n = shape.reduce(1, *)
        var stream = PhiloxStream(key: PhiloxKey(seed: source.key, stream: UInt64(source.index)))
        var values = (0..<n).map { _ in stream.nextUniform(in: -1, 1) }
        if augment {
            let shift: Int
            if defect == .unkeyedAugmentation {
                shift = 1 + unkeyedCounter.add(1, ordering: .relaxed).oldValue % (n - 1)
            } else {
                var random = context.random
                shift = 1 + random.nextInt(below: n - 1)
            }
            values = Array(values[shift...] + values[..<shift])
        }
        var sampleShape = shape
        switch defect {
        case .scaledToUnit: values = values.map { ($0 + 1) / 2 }
        case .wrongShape(let bad) where bad == index: sampleShape = [n]
        case .notFinite(let bad) where bad == index: values[n / 2] = .nan
        default: break
        }
        let label = defect == .labelOutOfRange(at: index) ? classes : source.index % classes
        return Example(input: Tensor(shape: sampleShape, scalars: values), label: label)
    }
}

private let unkeyedCounter = Atomic<Int>(0)

/// Samples in [0, 1) normalised with fixed statistics: `(x − mean) / std`, or the raw view.
struct NormalizedImages: Dataset {
    let raw: SyntheticUnitImages
    let mean: Float
    let std: Float

    var count: Int { raw.count }

    func example(at index: Int, context: SampleContext) throws -> Example {
        let example = try raw.example(at: index, context: context)
        return Example(
            input: Tensor(shape: example.input.shape, scalars: example.input.scalars.map { ($0 - mean) / std }),
            label: example.label)
    }
}

/// Unnormalised samples in [0, 1): squares of uniform numbers, so the mean (≈ 1/3) differs per split.
struct SyntheticUnitImages: Dataset {
    let count: Int
    let contentKey: UInt64

    func example(at index: Int, context: SampleContext) throws -> Example {
        var stream = PhiloxStream(key: PhiloxKey(seed: contentKey, stream: UInt64(index)))
        let values = (0..<16).map { _ -> Float in
            let u = stream.nextUniform(); return u * u
        }
        return Example(input: Tensor(shape: [1, 4, 4], scalars: values), label: index % 3)
    }

    /// Mean and population standard deviation of every value of the split.
    func statistics() throws -> (mean: Float, std: Float) {
        var sum = 0.0, squares = 0.0, n = 0.0
        for index in 0..<count {
            for v in try example(at: index, context: SampleContext(seed: 0, epoch: 0, index: index)).input.scalars {
                sum += Double(v); squares += Double(v) * Double(v); n += 1
            }
        }
        let mean = sum / n
        return (Float(mean), Float((squares / n - mean * mean).squareRoot()))
    }
}
