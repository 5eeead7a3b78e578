import Distributed
import FoundationEssentials
import TensorCore

/// Checks of data-parallel training, against the mistakes people make with it (see
/// ``DistributedSubject``). The trained checks run every rank as a thread of this process
/// (``Distributed/InProcessGroup``): no launcher is needed, and a rank that stops calling
/// collectives fails the check after ``DistributedSubject/timeoutSeconds`` instead of hanging it.
public enum DistributedCheck: String, Check {
    /// For every world size and each of ``DistributedSubject/samplerEpochs`` epochs, the ranks'
    /// shards are disjoint and together read every example exactly once (overlapping shards count
    /// examples twice; a shard lost to rounding drops them).
    case shardsPartitionEachEpoch
    /// The epochs' global orders (the ranks' shards concatenated in rank order) are not all the same:
    /// the sampler is keyed by the epoch (PyTorch's forgotten `sampler.set_epoch(epoch)`). Skipped
    /// for fewer than 4 examples.
    case orderChangesBetweenEpochs
    /// Every rank holds bitwise the same parameters as rank 0 when the replicas are made and after
    /// every step of one epoch (a missing initial broadcast, or gradients not reduced, makes the
    /// replicas drift apart).
    case replicasStayIdentical
    /// One epoch on `N` ranks gives, step by step, the training losses of one process with the same
    /// global batch, and the same evaluation, within ``DistributedSubject/relativeTolerance``; and
    /// rank 0's parameters and optimiser state within ``DistributedSubject/stateTolerance`` (relative,
    /// in norm). Gradients not reduced change the steps; gradients averaged instead of summed change
    /// them under SGD, and under Adam, which divides their scale out of the step, change its moments.
    case matchesSingleProcess
    /// After one epoch and an evaluation on the largest world size, only rank 0's directory holds
    /// files (two ranks writing one checkpoint or event file corrupt it). Fails too when rank 0
    /// wrote nothing, since then nothing was checked: declare the check skipped for a trainer that
    /// writes no files.
    case onlyRankZeroWrites

    /// Distributed checks run on a ``DistributedSubject``.
    public typealias Subject = DistributedSubject

    public var name: String { "distributed.\(rawValue)" }

    public func evaluate(on subject: DistributedSubject) throws -> CheckResult {
        if let reason = subject.skipped[self] { return .skipped(reason) }
        let sizes = subject.worldSizes.filter { $0 > 1 }
        guard !sizes.isEmpty else { return .skipped("no world size above 1 to try (worldSizes \(subject.worldSizes))") }
        switch self {
        case .shardsPartitionEachEpoch, .orderChangesBetweenEpochs:
            guard let sampler = subject.sampler else { return .skipped("the subject has no sampler") }
            return self == .shardsPartitionEachEpoch
                ? try checkPartition(subject, sampler, sizes: sizes) : try checkOrderChanges(subject, sampler, sizes: sizes)
        case .replicasStayIdentical, .matchesSingleProcess, .onlyRankZeroWrites:
            guard let makeReplica = subject.makeReplica else { return .skipped("the subject cannot make replicas") }
            let run = ReplicaRun(makeReplica: makeReplica, timeoutSeconds: subject.timeoutSeconds)
            switch self {
            case .replicasStayIdentical: return try checkIdentical(run, sizes: sizes)
            case .matchesSingleProcess: return try checkMatch(run, sizes: sizes, subject: subject)
            default: return try checkWrites(run, size: sizes.max()!)
            }
        }
    }

    // MARK: - Sampler

    /// Each rank's indices for every epoch: `shards[epoch][rank]`.
    private func shards(
        _ sampler: @Sendable (Int, Int, Int) throws -> [Int], size: Int, epochs: Int
    ) throws(CheckFailure) -> [[[Int]]] {
        try (0..<epochs).map { (epoch) throws(CheckFailure) in
            try (0..<size).map { (rank) throws(CheckFailure) in
                try stage("sampler of rank \(rank) of \(size), epoch \(epoch)") { try sampler(rank, size, epoch) }
            }
        }
    }

    private func checkPartition(
        _ subject: DistributedSubject, _ sampler: @Sendable (Int, Int, Int) throws -> [Int], sizes: [Int]
    ) throws -> CheckResult {
        let count = subject.exampleCount
        var failures: [CheckFailure] = []
        for size in sizes {
            for (epoch, ranks) in try shards(sampler, size: size, epochs: subject.samplerEpochs).enumerated() {
                var readers = [[Int]](repeating: [], count: count)
                var outside: [(rank: Int, index: Int)] = []
                for (rank, indices) in ranks.enumerated() {
                    for index in indices {
                        if (0..<count).contains(index) { readers[index].append(rank) } else { outside.append((rank, index)) }
                    }
                }
                let place = CheckLocation(step: epoch, detail: "\(size) ranks, epoch \(epoch)")
                if let first = outside.first {
                    failures.append(
                        CheckFailure(
                            "rank \(first.rank) reads index \(first.index), outside 0..<\(count)"
                                + (outside.count > 1 ? " (\(outside.count) such reads)" : ""), at: place))
                }
                let repeated = readers.indices.filter { readers[$0].count > 1 }
                if let first = repeated.first {
                    let shared = Set(readers[first]).count > 1
                    failures.append(
                        CheckFailure(
                            "\(repeated.count) examples are read more than once, e.g. example \(first) by ranks \(readers[first])"
                                + (shared ? ": the shards overlap" : ""),
                            at: place.merging(CheckLocation(sample: first))))
                }
                let missing = readers.indices.filter { readers[$0].isEmpty }
                if let first = missing.first {
                    failures.append(
                        CheckFailure(
                            "\(missing.count) of \(count) examples are read by no rank, e.g. example \(first) "
                                + "(dropped or lost between shards)",
                            at: place.merging(CheckLocation(sample: first))))
                }
            }
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        return .passed(
            "\(subject.samplerEpochs) epochs on \(sizes.map(String.init).joined(separator: ", ")) ranks: "
                + "disjoint shards covering all \(count) examples")
    }

    private func checkOrderChanges(
        _ subject: DistributedSubject, _ sampler: @Sendable (Int, Int, Int) throws -> [Int], sizes: [Int]
    ) throws -> CheckResult {
        // With 4 examples, 5 shuffled epochs share one order with probability (1/24)^4 ≈ 3·10⁻⁶.
        guard subject.exampleCount >= 4 else {
            return .skipped("\(subject.exampleCount) examples are too few to tell a shuffle from a fixed order")
        }
        guard subject.samplerEpochs >= 2 else { return .skipped("samplerEpochs \(subject.samplerEpochs) < 2") }
        var failures: [CheckFailure] = []
        var summaries: [String] = []
        for size in sizes {
            let orders = try shards(sampler, size: size, epochs: subject.samplerEpochs).map { $0.flatMap { $0 } }
            let distinct = Set(orders).count
            if distinct == 1 {
                failures.append(
                    CheckFailure(
                        "all \(orders.count) epochs on \(size) ranks read the examples in the same order "
                            + "\(orders[0].prefix(8))\(orders[0].count > 8 ? "…" : ""): the sampler ignores the epoch "
                            + "(a forgotten set_epoch)",
                        at: CheckLocation(detail: "\(size) ranks, epochs 0..<\(orders.count)")))
            }
            summaries.append("\(distinct) orders in \(orders.count) epochs on \(size) ranks")
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        return .passed(summaries.joined(separator: "; "))
    }

    // MARK: - Replicas

    private func checkIdentical(_ run: ReplicaRun, sizes: [Int]) throws -> CheckResult {
        var steps = 0
        for size in sizes {
            // snapshots[rank][k]: the parameters when made (k = 0) and after step k − 1.
            let runs = try run.callAll(size: size) { replica in
                var taken = [Self.snapshot(replica)]
                let losses = try replica.trainEpoch { _ in taken.append(Self.snapshot(replica)) }
                return (snapshots: taken, losses: losses.count)
            }
            let snapshots = runs.map(\.snapshots)
            guard snapshots[0].count - 1 == runs[0].losses else {
                throw CheckFailure(
                    "rank 0 reported \(runs[0].losses) step losses but called afterStep \(snapshots[0].count - 1) times "
                        + "in one epoch: the harness must call it once after every step",
                    at: CheckLocation(detail: "\(size) ranks"))
            }
            guard snapshots[0].count > 1 else {
                throw CheckFailure("one epoch on \(size) ranks took no step (afterStep was never called on rank 0)")
            }
            steps = snapshots[0].count - 1
            for rank in 1..<size {
                guard snapshots[rank].count == snapshots[0].count else {
                    throw CheckFailure(
                        "rank \(rank) took \(snapshots[rank].count - 1) steps in one epoch, rank 0 \(snapshots[0].count - 1)",
                        at: CheckLocation(detail: "\(size) ranks"))
                }
                for k in snapshots[0].indices {
                    let moment = k == 0 ? "when the replicas are made" : "after step \(k - 1)"
                    if let failure = Self.firstDifference(snapshots[rank][k], snapshots[0][k]) {
                        throw CheckFailure(
                            "rank \(rank)'s parameter \(failure.name) differs from rank 0's \(moment) "
                                + "(\(failure.mismatches) of \(failure.count) elements): the replicas drift apart"
                                + (k == 0 ? " (is the initial state broadcast?)" : " (are the gradients reduced?)"),
                            at: CheckLocation(
                                parameter: failure.name, element: [failure.element], step: k == 0 ? nil : k - 1,
                                detail: "\(size) ranks, rank \(rank)"),
                            deviation: Deviation("max |Δ|", observed: Double(failure.maxAbsolute), limit: 0))
                    }
                }
            }
        }
        return .passed(
            "replicas bitwise identical when made and after each of \(steps) steps, on \(sizes.map(String.init).joined(separator: ", ")) ranks"
        )
    }

    private func checkMatch(_ run: ReplicaRun, sizes: [Int], subject: DistributedSubject) throws -> CheckResult {
        let tolerance = subject.relativeTolerance
        let epoch = { @Sendable (replica: any ReplicaHarness) throws in
            (
                losses: try replica.trainEpoch { _ in }, evaluation: try replica.evaluate(),
                state: (replica.namedParameters() + replica.optimizerState()).map { ($0.name, $0.value.scalars) }
            )
        }
        let reference = try run.callAll(size: 1, epoch)[0]
        guard !reference.losses.isEmpty else { throw CheckFailure("one epoch in one process returned no step loss") }
        var worst = 0.0
        for size in sizes {
            let results = try run.callAll(size: size, epoch)
            let losses = results[0].losses
            guard losses.count == reference.losses.count else {
                throw CheckFailure(
                    "one epoch on \(size) ranks took \(losses.count) steps (rank 0's losses), one process \(reference.losses.count) "
                        + "with the same global batch", at: CheckLocation(detail: "\(size) ranks"))
            }
            for (step, (actual, expected)) in zip(losses, reference.losses).enumerated() {
                let difference = Self.relativeDifference(actual, expected)
                worst = max(worst, difference)
                guard difference <= tolerance else {
                    throw CheckFailure(
                        "the training loss of step \(step) on \(size) ranks is \(actual), one process has \(expected) "
                            + "(gradients averaged instead of summed, or not reduced?)",
                        at: CheckLocation(tag: "training loss", step: step, detail: "\(size) ranks"),
                        deviation: Deviation("relative |Δ|", observed: difference, limit: tolerance))
                }
            }
            let mine = Dictionary(results[0].state, uniquingKeysWith: { a, _ in a })
            for (name, expected) in reference.state {
                guard let actual = mine[name], actual.count == expected.count else {
                    throw CheckFailure(
                        "rank 0 of \(size) has no tensor \(name) of \(expected.count) elements after one epoch",
                        at: CheckLocation(parameter: name, detail: "\(size) ranks"))
                }
                let difference = Self.normRelativeDifference(actual, expected)
                guard difference <= subject.stateTolerance else {
                    throw CheckFailure(
                        "after one epoch on \(size) ranks, \(name) differs from one process's "
                            + "(gradients averaged instead of summed, or not reduced?)",
                        at: CheckLocation(parameter: name, detail: "\(size) ranks"),
                        deviation: Deviation("‖Δ‖/‖expected‖", observed: difference, limit: subject.stateTolerance))
                }
            }
            for (rank, result) in results.enumerated() {
                let difference = Self.relativeDifference(result.evaluation, reference.evaluation)
                worst = max(worst, difference)
                guard difference <= tolerance else {
                    throw CheckFailure(
                        "the evaluation after one epoch is \(result.evaluation) on rank \(rank) of \(size), "
                            + "one process has \(reference.evaluation)",
                        at: CheckLocation(tag: "evaluation", detail: "\(size) ranks, rank \(rank)"),
                        deviation: Deviation("relative |Δ|", observed: difference, limit: tolerance))
                }
            }
        }
        return .passed(
            "\(reference.losses.count) step losses and the evaluation on \(sizes.map(String.init).joined(separator: ", ")) "
                + "ranks within \(worst) (relative) of one process; \(reference.state.count) parameter and optimiser "
                + "tensors within \(subject.stateTolerance) (relative, in norm)")
    }

    private func checkWrites(_ run: ReplicaRun, size: Int) throws -> CheckResult {
        try withTemporaryDirectory(prefix: "testkit-ranks") { base in
            let directories = (0..<size).map { base.file("rank-\($0)") }
            for directory in directories {
                try stage("creating \(directory)") {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                }
            }
            _ = try run.callAll(size: size, directories: directories) { replica in
                _ = try replica.trainEpoch { _ in }
                return try replica.evaluate()
            }
            let written = try directories.map { (directory) throws(CheckFailure) in
                try stage("listing \(directory)") { try FileManager.default.subpathsOfDirectory(atPath: directory).sorted() }
            }
            let failures = (1..<size).filter { !written[$0].isEmpty }.map { rank in
                CheckFailure(
                    "rank \(rank) wrote \(written[rank].count) files, e.g. \(written[rank].prefix(3)); only rank 0 may write",
                    at: CheckLocation(detail: "\(size) ranks, rank \(rank)"))
            }
            if let failure = CheckFailure.combining(failures) { throw failure }
            guard !written[0].isEmpty else {
                throw CheckFailure(
                    "rank 0 wrote nothing in one epoch, so nothing was checked; declare the check skipped for a trainer "
                        + "that writes no files", at: CheckLocation(detail: "\(size) ranks, rank 0"))
            }
            return .passed("on \(size) ranks only rank 0 wrote (\(written[0].count) files)")
        }
    }

    // MARK: - Helpers

    private static func snapshot(_ replica: any ReplicaHarness) -> [(name: String, scalars: [Float])] {
        replica.namedParameters().map { ($0.name, $0.value.scalars) }
    }

    private struct ParameterDifference {
        var name: String, element: Int, mismatches: Int, count: Int, maxAbsolute: Float
    }

    /// The first parameter of `actual` that is not bitwise equal to `expected`'s (by name).
    private static func firstDifference(
        _ actual: [(name: String, scalars: [Float])], _ expected: [(name: String, scalars: [Float])]
    ) -> ParameterDifference? {
        let byName = Dictionary(actual.map { ($0.name, $0.scalars) }, uniquingKeysWith: { a, _ in a })
        for (name, values) in expected {
            guard let other = byName[name], other.count == values.count else {
                return ParameterDifference(
                    name: name, element: 0, mismatches: values.count, count: values.count, maxAbsolute: .infinity)
            }
            let differing = values.indices.filter { values[$0].bitPattern != other[$0].bitPattern }
            guard let first = differing.first else { continue }
            let largest = differing.map { abs(values[$0] - other[$0]) }.max() ?? 0
            return ParameterDifference(
                name: name, element: first, mismatches: differing.count, count: values.count,
                maxAbsolute: largest.isNaN ? .infinity : largest)
        }
        return nil
    }

    /// `‖actual − expected‖ / ‖expected‖` (0 for two zero tensors, ∞ for a non-finite value).
    static func normRelativeDifference(_ actual: [Float], _ expected: [Float]) -> Double {
        var difference = 0.0, size = 0.0
        for (a, e) in zip(actual, expected) {
            let delta = Double(a) - Double(e)
            difference += delta * delta
            size += Double(e) * Double(e)
        }
        guard difference.isFinite && size.isFinite else { return .infinity }
        if difference == 0 { return 0 }
        return difference.squareRoot() / max(size.squareRoot(), Double(Float.leastNormalMagnitude))
    }

    static func relativeDifference(_ actual: Float, _ expected: Float) -> Double {
        if actual.bitPattern == expected.bitPattern { return 0 }
        guard actual.isFinite && expected.isFinite else { return .infinity }
        return Double(abs(actual - expected)) / max(Double(abs(expected)), Double(Float.leastNormalMagnitude))
    }
}

/// Runs one body on every replica of an in-process group and collects the results in rank order.
struct ReplicaRun {
    let makeReplica: @Sendable (ProcessGroup, String) throws -> any ReplicaHarness
    let timeoutSeconds: Double

    /// `body` on a fresh replica of each of `size` ranks (rank `r` writing under `directories[r]`, or
    /// a fresh temporary directory); the results in rank order.
    /// - Throws: ``CheckFailure`` naming the rank whose replica failed first (a rank that merely saw
    ///   another leave is reported only when no rank failed on its own).
    func callAll<T: Sendable>(
        size: Int, directories: [String]? = nil, _ body: @escaping @Sendable (any ReplicaHarness) throws -> T
    ) throws(CheckFailure) -> [T] {
        let makeReplica = makeReplica
        let outcomes = try stage("starting \(size) ranks") {
            try InProcessGroup.run(size: size, timeoutSeconds: timeoutSeconds) { group -> Result<T, CheckFailure> in
                let rank = group.rank
                do throws(CheckFailure) {
                    return .success(
                        try stage("rank \(rank) of \(size)", at: CheckLocation(detail: "\(size) ranks, rank \(rank)")) {
                            if let directories { return try body(makeReplica(group, directories[rank])) }
                            return try withTemporaryDirectory(prefix: "testkit-rank\(rank)") { directory in
                                try body(makeReplica(group, directory.path))
                            }
                        })
                } catch {
                    return .failure(error)
                }
            }
        }
        var values: [T] = []
        var failures: [CheckFailure] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let value): values.append(value)
            case .failure(let failure): failures.append(failure)
            }
        }
        // A rank that fails makes the others fail with "rank r left the group while this rank
        // waited" (DistributedError.peerExited); report the cause, not its echo.
        if let first = failures.first(where: { !$0.message.contains("left the group while this rank waited") }) ?? failures.first
        {
            throw first
        }
        return values
    }
}
