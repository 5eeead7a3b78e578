import Data
import TensorCore

/// What a subject produces on fixed inputs, as bits: two subjects with equal fingerprints
/// behave the same on everything the checks look at, so a mutant whose fingerprint equals the
/// original's is equivalent (it changes no output).
struct MutantFingerprint: Equatable {
    private(set) var words: [UInt32] = []
    private(set) var notes: [String] = []

    mutating func add(_ tensor: Tensor) {
        notes.append("\(tensor.shape)@\(tensor.device)")
        let host = (try? tensor.to(.cpu)) ?? tensor
        words += host.scalars.map(\.bitPattern)
    }

    mutating func add(_ value: Float) { words.append(value.bitPattern) }

    mutating func add(_ note: String) { notes.append(note) }

    /// Runs `body` in a tensor checking scope; an error is recorded as a note instead of thrown.
    mutating func record(_ what: String, _ body: (inout MutantFingerprint) throws -> Void) {
        var copy = self
        do {
            try withTensorChecking { try body(&copy) }
            self = copy
        } catch {
            notes.append("\(what) failed: \(error)")
        }
    }

    // MARK: - Per kind of subject

    static func of(_ subject: DatasetSubject) -> MutantFingerprint {
        var print = MutantFingerprint()
        if let declared = subject.normalization { print.add("normalisation \(declared)") }
        for split in subject.splits {
            let views =
                [("dataset", split.dataset)] + [split.unaugmented, split.unnormalized].compactMap { $0 }.map { ("view", $0) }
            for (role, dataset) in views {
                print.add("\(split.name) \(role) count \(dataset.count)")
                let indices = Set([0, 1, 2, 3] + subject.sampleIndices(count: dataset.count).prefix(32)).filter {
                    $0 < dataset.count
                }
                for index in indices.sorted() {
                    print.record("\(split.name) \(role) sample \(index)") { print in
                        for (epoch, seed) in [(0, subject.seed), (0, subject.seed), (1, subject.seed), (1, subject.seed &+ 1)] {
                            let example = try dataset.example(
                                at: index, context: SampleContext(seed: seed, epoch: epoch, index: index))
                            print.add(example.input)
                            print.add("label \(example.label.map(String.init) ?? "none")")
                        }
                    }
                }
            }
        }
        return print
    }

    static func of(_ subject: ModelSubject) -> MutantFingerprint {
        var print = MutantFingerprint()
        var devices = [subject.device]
        if let other = subject.otherDevice ?? BackendRegistry.shared.availableDevices().first(where: { $0 != subject.device }) {
            devices.append(other)
        }
        for device in devices {
            print.record("model on \(device)") { print in
                makeDeterministic(seed: subject.seed)
                let model = try subject.instantiate(subject.seed, device)
                print.add("parameters \(model.module.namedParameters().map(\.name))")
                let batch = try subject.makeBatch(subject.batchSize, subject.seed).to(device)
                for training in [true, false] {
                    model.module.train(training)
                    makeDeterministic(seed: subject.seed)
                    var input = batch.input
                    input.requiresGrad = true
                    let output = try model.forward(input)
                    print.add(output)
                    output.sum().backward()
                    if let grad = input.grad { print.add(grad) } else { print.add("no input gradient") }
                    model.module.zeroGrad()
                }
                model.module.train(true)
                let optimizer = try model.makeOptimizer()
                for _ in 0..<2 {
                    makeDeterministic(seed: subject.seed)
                    let loss = try model.loss(batch)
                    print.add(loss)
                    loss.backward()
                    for (_, parameter) in model.module.namedParameters() {
                        if let grad = parameter.grad { print.add(grad) } else { print.add("no gradient") }
                    }
                    try optimizer.step()
                    optimizer.zeroGrad()
                    for (_, parameter) in model.module.namedParameters() { print.add(parameter.value) }
                }
            }
        }
        return print
    }

    static func of(_ subject: KLDivergenceSubject) -> MutantFingerprint {
        var print = MutantFingerprint()
        for batch in [1, 3] {
            print.record("KL term of a batch of \(batch)") { print in
                let generator = RandomGenerator(seed: subject.seed ^ 0xF1)
                let mu = Tensor.randn([batch, 4], generator: generator)
                let logSigma = Tensor.randn([batch, 4], generator: generator) * 0.3
                print.add(try subject.divergence(mu, logSigma))
            }
        }
        return print
    }

    static func of(_ subject: TrainerSubject) -> MutantFingerprint {
        var print = MutantFingerprint()
        print.record("trainer run") { print in
            try withTemporaryDirectory(prefix: "testkit-fingerprint") { directory in
                let path = directory.file("epoch-0.checkpoint")
                let first = try subject.makeTrainer(subject.seed)
                print.add("epoch 0 \(try first.trainEpoch())")
                print.add(try first.evaluate())
                print.add(try first.evaluate())
                for (_, value) in first.namedParameters() { print.add(value) }
                try first.saveCheckpoint(to: path)
                let second = try subject.makeTrainer(subject.seed &+ 1)
                try second.loadCheckpoint(from: path)
                print.add("resumed epoch 1 \(try second.trainEpoch())")
                print.add(try second.evaluate())
                for (_, value) in second.namedParameters() { print.add(value) }
                print.add(try first.trainStep())
            }
        }
        return print
    }
}
