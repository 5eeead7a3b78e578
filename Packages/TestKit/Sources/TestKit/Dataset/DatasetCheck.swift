import Data
import TensorCore

/// Checks of a dataset's splits against what they promise (see ``DatasetSubject``).
///
/// Each check examines every split of the subject (or the focused one, see
/// ``DatasetSubject/focused(on:)``) and reports every failing split, naming the split, the
/// sample index and the value.
public enum DatasetCheck: String, Check {
    /// Every sample read has ``SplitExpectation/sampleShape``.
    case sampleShape
    /// Every value is finite and inside ``SplitExpectation/valueRange``, and both signs occur when
    /// ``SplitExpectation/requiresBothSigns`` (data scaled to [0, 1] by mistake fails).
    case valueRange
    /// Augmented splits: reading a sample twice with the same ``SampleContext`` gives the same
    /// tensor (augmentation is keyed by seed, epoch and index) and reading it in another epoch gives
    /// a different one. Other splits: every read of a sample is identical.
    case augmentation
    /// A loader with 0 workers and one with ``LoaderSettings/workers`` workers each run a full pass
    /// and produce identical batches (inputs and labels) for the same seed.
    case loaderWorkers
    /// Every label is present and inside `0 ..< classes`.
    case labels
    /// No sample of one split is identical (by content) to a sample of another split.
    case leakage
    /// The declared normalisation statistics equal those of the source split (computed from
    /// every sample of its unnormalised view) and not another split's, and the normalised
    /// samples are the unnormalised ones normalised with them.
    case normalizationStatistics
    /// The split holds ``SplitExpectation/count`` samples when declared, and no two identical
    /// ones when ``SplitExpectation/distinctSamples`` is declared (a sample duplicated, another dropped).
    case sampleCount
    /// The labels are those of their images: ``SplitExpectation/knownLabels`` at their indices, and
    /// the same labels in the split as in its unaugmented and unnormalised views (images and labels
    /// shifted or shuffled separately fail).
    case labelAlignment

    /// Dataset checks run on a ``DatasetSubject``.
    public typealias Subject = DatasetSubject

    public var name: String { "dataset.\(rawValue)" }

    public func evaluate(on subject: DatasetSubject) throws -> CheckResult {
        if let reason = subject.skipped[self] { return .skipped(reason) }
        let splits = subject.examinedSplits
        guard !splits.isEmpty else {
            throw CheckFailure(
                "the subject has no split named \(subject.focus ?? "")",
                at: CheckLocation(split: subject.focus))
        }
        switch self {
        case .leakage: return try checkLeakage(subject, splits)
        case .normalizationStatistics: return try checkNormalization(subject, splits)
        default: break
        }
        var summaries: [String] = []
        var skips: [String] = []
        var failures: [CheckFailure] = []
        for split in splits {
            do throws(CheckFailure) {
                switch try stage(nil, at: CheckLocation(split: split.name), { try check(split, of: subject) }) {
                case .passed(let summary): summaries.append("\(split.name): \(summary)")
                case .skipped(let reason): skips.append("\(split.name): \(reason)")
                }
            } catch {
                failures.append(error)
            }
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        if summaries.isEmpty { return .skipped(skips.joined(separator: "; ")) }
        return .passed((summaries + skips.map { "skipped \($0)" }).joined(separator: "; "))
    }

    private func check(_ split: DatasetSplit, of subject: DatasetSubject) throws -> CheckResult {
        switch self {
        case .sampleShape: return try checkShape(split, subject)
        case .valueRange: return try checkRange(split, subject)
        case .augmentation: return try checkAugmentation(split, subject)
        case .loaderWorkers: return try checkLoaders(split, subject)
        case .labels: return try checkLabels(split, subject)
        case .sampleCount: return try checkCount(split, subject)
        case .labelAlignment: return try checkLabelAlignment(split, subject)
        case .leakage, .normalizationStatistics: preconditionFailure("handled across splits")
        }
    }

    // MARK: - Per-sample checks

    private func checkShape(_ split: DatasetSplit, _ subject: DatasetSubject) throws -> CheckResult {
        let indices = try nonEmptyIndices(split, subject)
        for index in indices {
            let example = try read(split.dataset, split: split.name, index, epoch: 0, seed: subject.seed)
            guard example.input.shape == split.expectation.sampleShape else {
                throw CheckFailure(
                    "sample has shape \(example.input.shape), expected \(split.expectation.sampleShape)",
                    at: CheckLocation(split: split.name, sample: index, shape: example.input.shape))
            }
        }
        return .passed("\(indices.count) samples of shape \(split.expectation.sampleShape)")
    }

    private func checkRange(_ split: DatasetSplit, _ subject: DatasetSubject) throws -> CheckResult {
        let range = split.expectation.valueRange
        var low = Float.infinity, high = -Float.infinity
        let indices = try nonEmptyIndices(split, subject)
        for index in indices {
            let example = try read(split.dataset, split: split.name, index, epoch: 0, seed: subject.seed)
            let values = example.input.scalars
            if let bad = values.indices.first(where: { !values[$0].isFinite || !range.contains(values[$0]) }) {
                let value = values[bad]
                let element = ShapeRules.multiIndex(ofFlatIndex: bad, in: example.input.shape)
                throw CheckFailure(
                    value.isFinite
                        ? "value \(value) lies outside the declared range \(range)"
                        : "value \(value) is not finite",
                    at: CheckLocation(split: split.name, sample: index, element: element, shape: example.input.shape),
                    deviation: value.isFinite
                        ? Deviation(
                            "distance outside the range",
                            observed: Double(value < range.lowerBound ? range.lowerBound - value : value - range.upperBound),
                            limit: 0) : nil)
            }
            for v in values { low = min(low, v); high = max(high, v) }
        }
        if split.expectation.requiresBothSigns && !(low < 0 && high > 0) {
            let hint = low >= 0 && high <= 1 ? " — the data looks scaled to [0, 1]" : ""
            throw CheckFailure(
                "all \(indices.count) samples read have values of one sign only (min \(low), max \(high))\(hint); "
                    + "the split declares \(range) with both signs",
                at: CheckLocation(split: split.name))
        }
        return .passed("\(indices.count) samples within \(range) (min \(low), max \(high))")
    }

    private func checkAugmentation(_ split: DatasetSplit, _ subject: DatasetSubject) throws -> CheckResult {
        let indices = try nonEmptyIndices(split, subject)
        var changed = 0
        for index in indices {
            let first = try read(split.dataset, split: split.name, index, epoch: 0, seed: subject.seed)
            if split.expectation.augmented {
                let again = try read(split.dataset, split: split.name, index, epoch: 0, seed: subject.seed)
                try expectIdentical(
                    again.input, first.input,
                    "two reads with the same seed, epoch and index (augmentation must be keyed by the SampleContext, "
                        + "or results depend on the worker count)",
                    at: CheckLocation(split: split.name, sample: index))
                let nextEpoch = try read(split.dataset, split: split.name, index, epoch: 1, seed: subject.seed)
                if !identical(nextEpoch.input, first.input) { changed += 1 }
            } else {
                let other = try read(split.dataset, split: split.name, index, epoch: 1, seed: subject.seed &+ 1)
                guard identical(other.input, first.input) else {
                    let diff = difference(other.input.scalars, first.input.scalars, shape: first.input.shape, rtol: 0, atol: 0)
                    throw CheckFailure(
                        "augmentation is active: the sample differs between two epochs and seeds, "
                            + "but the split declares no augmentation",
                        at: CheckLocation(split: split.name, sample: index, element: diff.index),
                        deviation: Deviation("max |Δ|", observed: Double(diff.maxAbsoluteDifference), limit: 0))
                }
            }
        }
        guard split.expectation.augmented else { return .passed("\(indices.count) samples identical across epochs and seeds") }
        let fraction = Double(changed) / Double(indices.count)
        guard changed > 0 && fraction >= split.expectation.minimumAugmentedFraction else {
            throw CheckFailure(
                "augmentation is inactive: only \(changed) of \(indices.count) samples changed between epoch 0 "
                    + "and epoch 1, but the split declares augmentation",
                at: CheckLocation(split: split.name),
                deviation: Deviation(
                    "fraction changed", observed: fraction,
                    limit: max(split.expectation.minimumAugmentedFraction, 1 / Double(indices.count))))
        }
        return .passed("\(changed) of \(indices.count) samples change between epochs; repeated reads identical")
    }

    private func checkLabels(_ split: DatasetSplit, _ subject: DatasetSubject) throws -> CheckResult {
        guard let classes = split.expectation.classes else { return .skipped("the split declares no classes") }
        let indices = try nonEmptyIndices(split, subject)
        var seen = Set<Int>()
        for index in indices {
            let example = try read(split.dataset, split: split.name, index, epoch: 0, seed: subject.seed)
            guard let label = example.label else {
                throw CheckFailure(
                    "sample has no label; the split declares \(classes) classes",
                    at: CheckLocation(split: split.name, sample: index))
            }
            guard (0..<classes).contains(label) else {
                throw CheckFailure(
                    "label \(label) is outside 0..<\(classes)", at: CheckLocation(split: split.name, sample: index))
            }
            seen.insert(label)
        }
        return .passed("\(indices.count) labels in 0..<\(classes) (\(seen.count) distinct)")
    }

    // MARK: - Counts and alignment

    private func checkCount(_ split: DatasetSplit, _ subject: DatasetSubject) throws -> CheckResult {
        let expectation = split.expectation
        guard expectation.count != nil || expectation.distinctSamples else {
            return .skipped("the split declares neither a sample count nor distinct samples")
        }
        if let count = expectation.count, split.dataset.count != count {
            throw CheckFailure(
                "the split holds \(split.dataset.count) samples, expected \(count) (samples dropped or added?)",
                at: CheckLocation(split: split.name),
                deviation: Deviation("samples", observed: Double(split.dataset.count), limit: Double(count)))
        }
        guard expectation.distinctSamples else { return .passed("\(split.dataset.count) samples as declared") }
        let samples = split.comparableSamples ?? split.dataset
        var seen: [UInt64: Int] = [:]
        for index in 0..<samples.count {
            let example = try read(samples, split: split.name, index, epoch: 0, seed: subject.seed)
            let hash = contentHash(example.input)
            if let first = seen[hash] {
                let earlier = try read(samples, split: split.name, first, epoch: 0, seed: subject.seed)
                if identical(earlier.input, example.input) {
                    throw CheckFailure(
                        "sample \(index) is identical to sample \(first): the split declares distinct samples "
                            + "(an index read twice, another never?)",
                        at: CheckLocation(split: split.name, sample: index, detail: "same as sample \(first)"))
                }
            }
            seen[hash] = index
        }
        return .passed("\(samples.count) samples, all distinct")
    }

    private func checkLabelAlignment(_ split: DatasetSplit, _ subject: DatasetSubject) throws -> CheckResult {
        let views = [("unaugmented", split.unaugmented), ("unnormalised", split.unnormalized)].compactMap { name, view in
            view.map { (name, $0) }
        }
        guard !split.expectation.knownLabels.isEmpty || !views.isEmpty else {
            return .skipped("the split declares no known labels and gives no other view to compare labels with")
        }
        for (index, label) in split.expectation.knownLabels.sorted(by: { $0.key < $1.key }) {
            let example = try read(split.dataset, split: split.name, index, epoch: 0, seed: subject.seed)
            guard example.label == label else {
                throw CheckFailure(
                    "sample has label \(example.label.map(String.init) ?? "none"), but its known label is \(label) "
                        + "(labels shifted or shuffled apart from the images?)",
                    at: CheckLocation(split: split.name, sample: index))
            }
        }
        var compared = 0
        for (name, view) in views {
            for index in subject.sampleIndices(count: min(view.count, split.dataset.count)) {
                let example = try read(split.dataset, split: split.name, index, epoch: 0, seed: subject.seed)
                let other = try read(view, split: split.name, index, epoch: 0, seed: subject.seed)
                guard example.label == other.label else {
                    throw CheckFailure(
                        "sample has label \(example.label.map(String.init) ?? "none") but \(other.label.map(String.init) ?? "none") "
                            + "in the \(name) view of the same split",
                        at: CheckLocation(split: split.name, sample: index, detail: "\(name) view"))
                }
                compared += 1
            }
        }
        return .passed(
            "\(split.expectation.knownLabels.count) known labels found; \(compared) labels equal in the other views")
    }

    // MARK: - Leakage

    private func checkLeakage(_ subject: DatasetSubject, _ examined: [DatasetSplit]) throws -> CheckResult {
        guard subject.splits.count > 1 else { return .skipped("the subject has a single split") }
        var table: [String: [UInt64: [Int]]] = [:]
        var counts: [String: Int] = [:]
        var skips: [String] = []
        func hashes(of split: DatasetSplit) throws -> [UInt64: [Int]]? {
            if let done = table[split.name] { return done }
            guard let samples = split.comparableSamples else {
                skips.append("\(split.name) augments and gives no unaugmented view")
                return nil
            }
            var result: [UInt64: [Int]] = [:]
            for index in 0..<samples.count {
                let example = try read(samples, split: split.name, index, epoch: 0, seed: subject.seed)
                result[contentHash(example.input), default: []].append(index)
            }
            table[split.name] = result
            counts[split.name] = samples.count
            return result
        }
        var failures: [CheckFailure] = []
        var pairs = 0
        for (i, a) in subject.splits.enumerated() {
            for b in subject.splits[(i + 1)...] {
                guard examined.contains(where: { $0.name == a.name || $0.name == b.name }) else { continue }
                guard let hashesA = try hashes(of: a), let hashesB = try hashes(of: b),
                    let samplesA = a.comparableSamples, let samplesB = b.comparableSamples
                else { continue }
                pairs += 1
                var shared: [(Int, Int)] = []
                for (hash, indicesB) in hashesB {
                    guard let indicesA = hashesA[hash] else { continue }
                    for indexB in indicesB {
                        let sampleB = try read(samplesB, split: b.name, indexB, epoch: 0, seed: subject.seed)
                        for indexA in indicesA {
                            let sampleA = try read(samplesA, split: a.name, indexA, epoch: 0, seed: subject.seed)
                            if identical(sampleA.input, sampleB.input) { shared.append((indexB, indexA)); break }
                        }
                    }
                }
                shared.sort { $0.0 < $1.0 }
                if let (indexB, indexA) = shared.first {
                    failures.append(
                        CheckFailure(
                            "\(shared.count) samples of \(b.name) also occur in \(a.name): \(b.name) sample "
                                + "\(indexB) is identical to \(a.name) sample \(indexA)",
                            at: CheckLocation(split: b.name, sample: indexB, detail: "\(a.name) sample \(indexA)"),
                            deviation: Deviation("shared samples", observed: Double(shared.count), limit: 0)))
                }
            }
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        let skipNote = skips.isEmpty ? "" : "; not compared: " + Set(skips).sorted().joined(separator: "; ")
        if pairs == 0 { return .skipped("no pair of splits could be compared" + skipNote) }
        let sizes = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return .passed("no shared samples between \(pairs) pair(s) of splits (\(sizes))\(skipNote)")
    }

    // MARK: - Normalisation

    private func checkNormalization(_ subject: DatasetSubject, _ examined: [DatasetSplit]) throws -> CheckResult {
        guard let declared = subject.normalization else {
            return .skipped("the subject declares no normalisation statistics")
        }
        guard declared.mean.count == declared.std.count, !declared.mean.isEmpty else {
            throw CheckFailure("the declaration has \(declared.mean.count) means and \(declared.std.count) standard deviations")
        }
        guard let source = subject.splits.first(where: { $0.name == declared.sourceSplit }) else {
            throw CheckFailure("the statistics' source split \(declared.sourceSplit) is not among the subject's splits")
        }
        guard let raw = source.unnormalized else {
            throw CheckFailure(
                "split \(source.name) gives no unnormalised view to compute the statistics from",
                at: CheckLocation(split: source.name))
        }
        let channels = declared.mean.count
        let computed = try statistics(of: raw, split: source.name, channels: channels, seed: subject.seed)
        if let failure = mismatch(declared, computed) {
            var message =
                "the declared statistics (mean \(declared.mean), std \(declared.std)) are not those of "
                + "\(source.name) (mean \(computed.mean), std \(computed.std))"
            for other in subject.splits where other.name != source.name {
                guard let otherRaw = other.unnormalized else { continue }
                let stats = try statistics(of: otherRaw, split: other.name, channels: channels, seed: subject.seed)
                if mismatch(declared, stats) == nil {
                    message += "; they are \(other.name)'s statistics: normalisation must use the training data only"
                }
            }
            throw CheckFailure(
                message, at: CheckLocation(split: source.name, detail: "channel \(failure.channel)"),
                deviation: Deviation(
                    "|declared − computed|", observed: Double(failure.difference),
                    limit: Double(declared.tolerance)))
        }
        // The normalised samples must be the unnormalised ones with the declared statistics applied.
        var verified = 0
        for split in examined where !split.expectation.augmented {
            guard let splitRaw = split.unnormalized else { continue }
            for index in subject.sampleIndices(count: min(split.dataset.count, splitRaw.count)) {
                let normalized = try read(split.dataset, split: split.name, index, epoch: 0, seed: subject.seed)
                let original = try read(splitRaw, split: split.name, index, epoch: 0, seed: subject.seed)
                let expected = normalize(original.input, with: declared)
                try expectClose(
                    normalized.input, expected, rtol: 1e-5, atol: 1e-5,
                    "normalised sample versus (unnormalised − mean) / std",
                    at: CheckLocation(split: split.name, sample: index))
                verified += 1
            }
        }
        return .passed(
            "statistics match \(source.name) (mean \(computed.mean), std \(computed.std)); "
                + "\(verified) normalised samples verified")
    }

    private func mismatch(
        _ declared: NormalizationDeclaration,
        _ computed: (mean: [Float], std: [Float])
    ) -> (channel: Int, difference: Float)? {
        var worst: (channel: Int, difference: Float)?
        for c in declared.mean.indices {
            let d = max(abs(declared.mean[c] - computed.mean[c]), abs(declared.std[c] - computed.std[c]))
            if d > declared.tolerance && d > (worst?.difference ?? -1) { worst = (c, d) }
        }
        return worst
    }

    /// Per-channel mean and population standard deviation over every sample (Double accumulation).
    func statistics(
        of dataset: any Dataset, split: String, channels: Int,
        seed: UInt64
    ) throws -> (mean: [Float], std: [Float]) {
        var sum = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        var counts = [Double](repeating: 0, count: channels)
        for index in 0..<dataset.count {
            let example = try read(dataset, split: split, index, epoch: 0, seed: seed)
            let values = example.input.scalars
            let perChannel = channels == 1 ? values.count : values.count / max(example.input.shape.first ?? 1, 1)
            guard channels == 1 || example.input.shape.first == channels else {
                throw CheckFailure(
                    "sample has shape \(example.input.shape) but \(channels) channel statistics are declared",
                    at: CheckLocation(split: split, sample: index, shape: example.input.shape))
            }
            for (i, v) in values.enumerated() {
                let c = channels == 1 ? 0 : i / perChannel
                sum[c] += Double(v); squares[c] += Double(v) * Double(v); counts[c] += 1
            }
        }
        let mean = zip(sum, counts).map { $0 / max($1, 1) }
        let std = (0..<channels).map { c in (max(squares[c] / max(counts[c], 1) - mean[c] * mean[c], 0)).squareRoot() }
        return (mean.map(Float.init), std.map(Float.init))
    }

    func normalize(_ input: Tensor, with declared: NormalizationDeclaration) -> Tensor {
        let values = input.scalars
        let channels = declared.mean.count
        let perChannel = channels == 1 ? max(values.count, 1) : values.count / channels
        let result = values.enumerated().map { i, v in
            let c = channels == 1 ? 0 : min(i / perChannel, channels - 1)
            return (v - declared.mean[c]) / declared.std[c]
        }
        return Tensor(shape: input.shape, scalars: result)
    }

    // MARK: - Reading

    private func nonEmptyIndices(_ split: DatasetSplit, _ subject: DatasetSubject) throws(CheckFailure) -> [Int] {
        guard split.dataset.count > 0 else { throw CheckFailure("the split is empty", at: CheckLocation(split: split.name)) }
        return subject.sampleIndices(count: split.dataset.count)
    }

    func read(
        _ dataset: any Dataset, split: String, _ index: Int, epoch: Int,
        seed: UInt64
    ) throws(CheckFailure) -> Example {
        try stage("reading sample \(index) (epoch \(epoch), seed \(seed))", at: CheckLocation(split: split, sample: index)) {
            try dataset.example(at: index, context: SampleContext(seed: seed, epoch: epoch, index: index))
        }
    }

    func identical(_ a: Tensor, _ b: Tensor) -> Bool {
        a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}
