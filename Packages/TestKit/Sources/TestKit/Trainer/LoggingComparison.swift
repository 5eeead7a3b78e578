import DeepTrustSystem

/// The difference between the events a trainer logged and those it should have logged, as
/// multisets of (tag, step): missing ones, unexpected ones, and duplicates.
struct LoggingComparison {
    let logged: [LoggedEvent]
    let expected: [LoggedEvent]

    /// One failure per tag that is wrong (missing, unexpected, or at the wrong steps).
    func failures(epoch: Int) -> [CheckFailure] {
        var expectedCounts: [LoggedEvent: Int] = [:]
        for event in expected { expectedCounts[event, default: 0] += 1 }
        var loggedCounts: [LoggedEvent: Int] = [:]
        for event in logged { loggedCounts[event, default: 0] += 1 }

        let expectedTags = Set(expected.map(\.tag))
        let loggedTags = Set(logged.map(\.tag))
        var failures: [CheckFailure] = []

        for tag in loggedTags.subtracting(expectedTags).sorted() {
            let steps = logged.filter { $0.tag == tag }.map(\.step)
            let guess = closestTag(to: tag, among: expectedTags).map { " (did you mean '\($0)'?)" } ?? ""
            failures.append(
                CheckFailure(
                    "epoch \(epoch) logged unexpected tag '\(tag)'\(guess) at steps \(summarise(steps))",
                    at: CheckLocation(tag: tag, step: steps.first)))
        }
        for tag in expectedTags.subtracting(loggedTags).sorted() {
            let steps = expected.filter { $0.tag == tag }.map(\.step)
            failures.append(
                CheckFailure(
                    "epoch \(epoch) never logged '\(tag)' (expected at steps \(summarise(steps)))",
                    at: CheckLocation(tag: tag, step: steps.first)))
        }
        for tag in expectedTags.intersection(loggedTags).sorted() {
            let missing = expected.filter { $0.tag == tag }.flatMap { event in
                Array(repeating: event.step, count: max(0, (expectedCounts[event] ?? 0) - (loggedCounts[event] ?? 0)))
            }
            let extra = logged.filter { $0.tag == tag }.flatMap { event in
                Array(repeating: event.step, count: max(0, (loggedCounts[event] ?? 0) - (expectedCounts[event] ?? 0)))
            }
            let missingSteps = Array(Set(missing)).sorted(), extraSteps = Array(Set(extra)).sorted()
            guard !missingSteps.isEmpty || !extraSteps.isEmpty else { continue }
            var parts: [String] = []
            if !missingSteps.isEmpty { parts.append("missing at steps \(summarise(missingSteps))") }
            if !extraSteps.isEmpty { parts.append("logged too often or at unexpected steps \(summarise(extraSteps))") }
            failures.append(
                CheckFailure(
                    "epoch \(epoch): '\(tag)' " + parts.joined(separator: "; "),
                    at: CheckLocation(tag: tag, step: (missingSteps + extraSteps).first)))
        }
        return failures
    }

    /// The expected tag within a small edit distance of `tag`, if any.
    private func closestTag(to tag: String, among candidates: Set<String>) -> String? {
        let scored = candidates.map { ($0, editDistance(tag, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        return best.1 <= max(2, best.0.count / 4) ? best.0 : nil
    }

    /// `[0, 1, 2, 3, 7]` → `"0…3, 7"`.
    private func summarise(_ steps: [Int]) -> String {
        let sorted = steps.sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(j > i ? "\(sorted[i])…\(sorted[j])" : "\(sorted[i])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }
}
