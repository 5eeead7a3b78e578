import Data
import Synchronization

/// The indices a dataset was read at while recording is on (``VAETrainerHarness/samplesVisited``).
final class SampleReadLog: Sendable {
    private let state = Mutex<(recording: Bool, indices: [Int])>((false, []))

    func start() { state.withLock { $0 = (true, []) } }

    func stop() -> [Int] {
        state.withLock { current in
            defer { current = (false, []) }
            return current.indices
        }
    }

    func record(_ index: Int) {
        state.withLock { if $0.recording { $0.indices.append(index) } }
    }
}

/// A dataset that notes every index it is read at in a ``SampleReadLog``.
struct RecordedReads: Dataset {
    let base: any Dataset
    let log: SampleReadLog

    var count: Int { base.count }

    func example(at index: Int, context: SampleContext) throws -> Example {
        log.record(index)
        return try base.example(at: index, context: context)
    }
}
