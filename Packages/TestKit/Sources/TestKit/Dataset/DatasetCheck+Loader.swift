import Data
import TensorCore

extension DatasetCheck {
    /// ``DatasetCheck/loaderWorkers`` on one split.
    func checkLoaders(_ split: DatasetSplit, _ subject: DatasetSubject) throws -> CheckResult {
        try compareLoaders(split.dataset, split: split.name, subject: subject)
    }

    private func compareLoaders<D: Dataset>(_ full: D, split: String, subject: DatasetSubject) throws -> CheckResult {
        if let limit = subject.loader.sampleLimit, full.count > limit {
            let first = try stage("taking the first \(limit) samples", at: CheckLocation(split: split)) {
                try Subset(full, first: limit)
            }
            return try compareLoaders(first, fullCount: full.count, split: split, subject: subject)
        }
        return try compareLoaders(full, fullCount: full.count, split: split, subject: subject)
    }

    private func compareLoaders<D: Dataset>(
        _ dataset: D, fullCount: Int, split: String,
        subject: DatasetSubject
    ) throws -> CheckResult {
        let settings = subject.loader
        let serial = try pass(dataset, workers: 0, split: split, subject: subject)
        let parallel = try pass(dataset, workers: settings.workers, split: split, subject: subject)

        // A full pass visits every sample exactly once.
        let visited = serial.flatMap(\.indices)
        if visited.count != dataset.count || Set(visited).count != dataset.count {
            throw CheckFailure(
                "a pass with 0 workers delivered \(visited.count) samples (\(Set(visited).count) distinct); "
                    + "the dataset holds \(dataset.count)", at: CheckLocation(split: split))
        }
        guard parallel.count == serial.count else {
            throw CheckFailure(
                "a pass with \(settings.workers) workers gave \(parallel.count) batches, with 0 workers \(serial.count)",
                at: CheckLocation(split: split))
        }
        for (a, b) in zip(parallel, serial) {
            let place = CheckLocation(split: split, detail: "batch \(b.index)")
            guard a.indices == b.indices else {
                throw CheckFailure(
                    "batch \(b.index) holds samples \(a.indices) with \(settings.workers) workers "
                        + "but \(b.indices) with 0 workers", at: place)
            }
            try expectIdentical(
                a.inputs, b.inputs, "batch \(b.index) inputs with \(settings.workers) and with 0 workers", at: place)
            guard a.labels == b.labels else {
                throw CheckFailure("batch \(b.index) labels differ between \(settings.workers) workers and 0 workers", at: place)
            }
        }
        let limited = dataset.count < fullCount ? " (the first \(dataset.count) of \(fullCount))" : ""
        return .passed(
            "\(serial.count) batches of \(dataset.count) samples\(limited) identical with 0 and \(settings.workers) workers")
    }

    /// Every batch of epoch 0 from a loader with `workers` workers.
    private func pass<D: Dataset>(_ dataset: D, workers: Int, split: String, subject: DatasetSubject) throws(CheckFailure)
        -> [Batch]
    {
        let settings = subject.loader
        do {
            let loader = try DataLoader(
                dataset, batchSize: settings.batchSize, shuffle: settings.shuffle,
                seed: subject.seed, workers: workers)
            return try loader.allBatches(epoch: 0)
        } catch {
            var location = CheckLocation(split: split, detail: "\(workers) workers")
            if case .sampleFailed(let index, _) = error { location.sample = index }
            throw CheckFailure("a loader pass with \(workers) workers failed: \(error)", at: location)
        }
    }
}
