import TensorCore

/// A harness that plants a fault around a real one: the events an epoch reports, an extra step
/// after loading a checkpoint, or an extra step before evaluating.
final class FaultyHarness: TrainerHarness {
    private let base: any TrainerHarness
    private let events: ([LoggedEvent], Int) -> [LoggedEvent]
    private let afterLoading: ((any TrainerHarness) throws -> Float)?
    private let beforeEvaluating: ((any TrainerHarness) throws -> Float)?
    private var epochsTrained = 0
    private var pendingAfterLoad = false

    init(
        _ base: any TrainerHarness, events: @escaping ([LoggedEvent], Int) -> [LoggedEvent] = { events, _ in events },
        afterLoading: ((any TrainerHarness) throws -> Float)? = nil,
        beforeEvaluating: ((any TrainerHarness) throws -> Float)? = nil
    ) {
        self.base = base
        self.events = events
        self.afterLoading = afterLoading
        self.beforeEvaluating = beforeEvaluating
    }

    func trainStep() throws -> Float { try base.trainStep() }

    func trainEpoch() throws -> [LoggedEvent] {
        if pendingAfterLoad, let afterLoading {
            pendingAfterLoad = false
            _ = try afterLoading(base)
        }
        let logged = try base.trainEpoch()
        defer { epochsTrained += 1 }
        return events(logged, epochsTrained)
    }

    func evaluate() throws -> Float {
        if let beforeEvaluating { _ = try beforeEvaluating(base) }
        return try base.evaluate()
    }

    func namedParameters() -> [(name: String, value: Tensor)] { base.namedParameters() }

    func saveCheckpoint(to path: String) throws { try base.saveCheckpoint(to: path) }

    func loadCheckpoint(from path: String) throws {
        try base.loadCheckpoint(from: path)
        pendingAfterLoad = true
    }

    var samplesVisited: [[Int]]? { base.samplesVisited }
}
