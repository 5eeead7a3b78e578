import NN
import Optim
import TensorCore

/// Checks of a model (see ``ModelSubject``).
///
/// BatchNorm: ``batchIndependence`` runs the model in evaluation mode, where BatchNorm uses its
/// running statistics and samples cannot influence each other; in training mode BatchNorm mixes
/// the batch by design (its batch statistics), which is not a defect. The other checks run in the
/// mode a fresh model starts in (training) unless they say otherwise.
public enum ModelCheck: String, Check {
    /// The output of a batch of ``ModelSubject/batchSize`` samples (training mode) and of a batch
    /// of 1 (evaluation mode, since BatchNorm has no batch statistics of one sample) has shape
    /// `[batch] + outputShape` and lives on the model's device.
    case outputShape
    /// The output, the loss, every parameter gradient and the input gradient are finite.
    case finiteOutputsAndGradients
    /// A copy moved to another device, and a copy of that moved back, give the same outputs
    /// under the same seed (max |Δ| within ``ModelSubject/deviceTolerance``), the outputs live on
    /// the device moved to, and moving leaves the source model unchanged. Skipped with a reason
    /// when only one device is available (see ``SimulatedDevice`` for tests).
    case deviceMoving
    /// For every sample index i of the batch (evaluation mode): weighting the output with random
    /// weights, zero for sample i, makes sample i's input gradient exactly zero and leaves every
    /// other sample's non-zero (catches reshapes and reductions that mix samples).
    case batchIndependence
    /// One real optimiser step on the real loss changes every trainable parameter; each one that
    /// does not is named, with the likely cause (no gradient reached it: a layer built but not
    /// used; a gradient but no change: missing from the optimiser).
    case allParametersUpdated
    /// Two runs with the same seed (model creation, forward pass, one training step) give
    /// identical outputs and identical parameters.
    case determinism
    /// In each mode, two forward passes in a row differ when the mode is declared stochastic and
    /// are identical when it is declared deterministic (``ModelSubject/modes``).
    case trainEvalMode
    /// Every output value lies in ``ModelSubject/outputRange``, for the batch (both modes) and, in
    /// evaluation mode, for the batch scaled by ±10, ±100 and ±1000, which saturates a bounded final
    /// activation (NaN from overflow there is inconclusive, an infinity fails); when the range spans
    /// 0, both signs occur (a Tanh replaced by a Sigmoid fails). Skipped when no range is declared.
    case outputRange
    /// After a backward pass, the optimiser's `zeroGrad()` leaves no parameter with a non-zero
    /// gradient: gradients do not accumulate across steps.
    case gradientsReset

    /// Model checks run on a ``ModelSubject``.
    public typealias Subject = ModelSubject

    public var name: String { "model.\(rawValue)" }

    public func evaluate(on subject: ModelSubject) throws -> CheckResult {
        if let reason = subject.skipped[self] { return .skipped(reason) }
        guard subject.batchSize >= 2 || self != .batchIndependence else {
            return .skipped("batch independence needs a batch of at least 2 samples")
        }
        switch self {
        case .outputShape: return try checkOutputShape(subject)
        case .finiteOutputsAndGradients: return try checkFinite(subject)
        case .deviceMoving: return try checkDeviceMoving(subject)
        case .batchIndependence: return try checkBatchIndependence(subject)
        case .allParametersUpdated: return try checkParametersUpdated(subject)
        case .determinism: return try checkDeterminism(subject)
        case .trainEvalMode: return try checkModes(subject)
        case .outputRange: return try checkOutputRange(subject)
        case .gradientsReset: return try checkGradientsReset(subject)
        }
    }

    // MARK: - Shapes and values

    private func checkOutputShape(_ subject: ModelSubject) throws -> CheckResult {
        var sizes: [String] = []
        for (batchSize, training) in [(subject.batchSize, true), (1, false)] {
            let mode = training ? "training" : "evaluation"
            let model = try makeModel(subject)
            model.module.train(training)
            let batch = try makeBatch(subject, size: batchSize, on: subject.device)
            let output = try stage("forward pass of a batch of \(batchSize) in \(mode) mode") { try model.forward(batch.input) }
            let expected = [batchSize] + subject.outputShape
            guard output.shape == expected else {
                throw CheckFailure(
                    "output of a batch of \(batchSize) has shape \(output.shape), expected \(expected)",
                    at: CheckLocation(shape: batch.input.shape, detail: "input shape"))
            }
            guard output.device == subject.device else {
                throw CheckFailure(
                    "output is on \(output.device), the model on \(subject.device)",
                    at: CheckLocation(device: output.device))
            }
            sizes.append("\(batchSize) (\(mode))")
        }
        return .passed("output [batch] + \(subject.outputShape) for batches of \(sizes.joined(separator: " and "))")
    }

    private func checkFinite(_ subject: ModelSubject) throws -> CheckResult {
        let model = try makeModel(subject)
        var batch = try makeBatch(subject, size: subject.batchSize, on: subject.device)
        batch.input.requiresGrad = true
        let output = try stage("forward pass") { try model.forward(batch.input) }
        try expectFinite(output, "output")
        let loss = try stage("loss") { try model.loss(batch) }
        try expectScalar(loss)
        try expectFinite(loss, "loss")
        try stage("backward pass") { loss.backward() }
        var failures: [CheckFailure] = []
        for (name, parameter) in model.module.namedParameters() {
            guard let grad = parameter.grad else { continue }
            do throws(CheckFailure) { try expectFinite(grad, "gradient", at: CheckLocation(parameter: name)) } catch {
                failures.append(error)
            }
        }
        if let grad = batch.input.grad {
            do throws(CheckFailure) { try expectFinite(grad, "input gradient") } catch { failures.append(error) }
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        return .passed("output, loss \(loss.scalars[0]) and \(model.module.namedParameters().count) parameter gradients finite")
    }

    // MARK: - Devices

    private func checkDeviceMoving(_ subject: ModelSubject) throws -> CheckResult {
        let home = subject.device
        if let requested = subject.otherDevice {
            do throws(DeviceError) {
                try requested.checkAvailable()
            } catch {
                return .skipped("the requested device is not available: \(error)")
            }
        }
        guard
            let other = subject.otherDevice
                ?? BackendRegistry.shared.availableDevices().first(where: { $0 != home })
        else {
            return .skipped(
                "only one device (\(home)) is available; add a GPU backend "
                    + "(or TestKit's SimulatedDevice in tests) to move the model")
        }
        let source = try makeModel(subject)
        let before = source.parameterValues()
        let moved = try stage("moving the model to \(other)", at: CheckLocation(device: other)) { try source.moved(other) }
        // Moving must copy: the source keeps its device and values, the copy is on the target.
        try expectOn(home, source, "moving a copy to \(other) changed the source model")
        try expectUnchanged(before, source.parameterValues(), "after moving a copy to \(other)")
        try expectOn(other, moved, "after moving to \(other)")
        let back = try stage("moving the copy back to \(home)", at: CheckLocation(device: home)) { try moved.moved(home) }
        try expectOn(other, moved, "moving a copy back to \(home) changed the copy on \(other)")
        try expectOn(home, back, "after moving back to \(home)")
        try expectUnchanged(before, back.parameterValues(), "after the round trip \(home) → \(other) → \(home)")

        let batch = try makeBatch(subject, size: subject.batchSize, on: home)
        let movedBatch = try stage("moving the batch to \(other)") { try batch.to(other) }
        makeDeterministic(seed: subject.seed)
        let expected = try stage("forward pass on \(home)", at: CheckLocation(device: home)) { try source.forward(batch.input) }
        makeDeterministic(seed: subject.seed)
        let there = try stage("forward pass of the copy on \(other)", at: CheckLocation(device: other)) {
            try moved.forward(movedBatch.input)
        }
        guard there.device == other else {
            throw CheckFailure(
                "the copy on \(other) produced its output on \(there.device)", at: CheckLocation(device: there.device))
        }
        makeDeterministic(seed: subject.seed)
        let returned = try stage("forward pass of the copy moved back to \(home)", at: CheckLocation(device: home)) {
            try back.forward(batch.input)
        }
        let thereOnHome = try stage("copying the output from \(other)") { try there.to(home) }
        try expectClose(
            thereOnHome, expected, rtol: 0, atol: subject.deviceTolerance,
            "outputs on \(other) and on \(home) under the same seed", at: CheckLocation(device: other))
        try expectClose(
            returned, expected, rtol: 0, atol: subject.deviceTolerance,
            "outputs after the round trip \(home) → \(other) → \(home) and before it", at: CheckLocation(device: home))
        let diff = try difference(thereOnHome, expected, rtol: 0, atol: subject.deviceTolerance)
        return .passed("\(home) → \(other) → \(home): outputs agree (max |Δ| \(diff.maxAbsoluteDifference)), source unchanged")
    }

    // MARK: - Batch independence

    private func checkBatchIndependence(_ subject: ModelSubject) throws -> CheckResult {
        let model = try makeModel(subject)
        model.module.eval()
        var batch = try makeBatch(subject, size: subject.batchSize, on: subject.device)
        batch.input.requiresGrad = true
        let input = batch.input
        let output = try stage("forward pass in evaluation mode") { try model.forward(input) }
        let size = subject.batchSize
        guard output.shape.first == size else {
            throw CheckFailure(
                "output has shape \(output.shape); batch independence needs the batch (\(size)) first",
                at: CheckLocation(shape: output.shape))
        }
        let perSample = output.count / size
        // Random weights (not ones) so that outputs whose sum is constant (softmax) still give gradients.
        let weights = Tensor.randn(output.shape, generator: RandomGenerator(seed: subject.seed ^ 0x5EED_BA7C)).scalars
        var failures: [CheckFailure] = []
        for masked in 0..<size {
            var mask = weights
            for k in (masked * perSample)..<((masked + 1) * perSample) { mask[k] = 0 }
            let maskTensor = try stage("moving the mask to \(subject.device)") {
                try Tensor(shape: output.shape, scalars: mask).to(subject.device)
            }
            input.grad = nil
            try stage("backward pass with sample \(masked) masked", at: CheckLocation(sample: masked)) {
                (output * maskTensor).sum().backward(retainGraph: true)
            }
            guard let gradient = input.grad else {
                throw CheckFailure("no gradient reached the input (is the input detached inside the forward pass?)")
            }
            let values = gradient.scalars
            let samples = values.count / size
            for sample in 0..<size {
                let slice = values[(sample * samples)..<((sample + 1) * samples)]
                let largest = slice.reduce(Float(0)) { max($0, abs($1)) }
                if sample == masked && largest != 0 {
                    failures.append(
                        CheckFailure(
                            "masking sample \(masked)'s output did not zero its input gradient: its output depends on other "
                                + "samples' inputs or its input reaches other outputs (a reshape or reduction mixing the batch?)",
                            at: CheckLocation(sample: masked, shape: input.shape),
                            deviation: Deviation("max |input gradient|", observed: Double(largest), limit: 0)))
                } else if sample != masked && !(largest > 0) {
                    failures.append(
                        CheckFailure(
                            "sample \(sample)'s input gradient is \(largest.isNaN ? "NaN" : "zero") while only sample \(masked) was "
                                + "masked: its output does not depend on its input",
                            at: CheckLocation(sample: sample, shape: input.shape, detail: "sample \(masked) masked")))
                }
            }
            if !failures.isEmpty { break }
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        return .passed("each of the \(size) samples masked in turn: its input gradient zero, the others non-zero")
    }

    // MARK: - Parameter updates

    private func checkParametersUpdated(_ subject: ModelSubject) throws -> CheckResult {
        let model = try makeModel(subject)
        let optimizer = try stage("making the optimiser") { try model.makeOptimizer() }
        let batch = try makeBatch(subject, size: subject.batchSize, on: subject.device)
        model.module.zeroGrad()
        let before = model.parameterValues()
        let loss = try stage("loss") { try model.loss(batch) }
        try expectScalar(loss)
        try stage("backward pass") { loss.backward() }
        let gradients = Dictionary(
            model.module.namedParameters().map { name, parameter in
                (name, parameter.grad.map { $0.scalars.reduce(Float(0)) { max($0, abs($1)) } })
            }, uniquingKeysWith: { a, _ in a })
        try stage("optimiser step") { try optimizer.step() }
        let after = Dictionary(model.parameterValues().map { ($0.name, $0.values) }, uniquingKeysWith: { a, _ in a })
        let optimized = Set(optimizer.parameterNames)

        var failures: [CheckFailure] = []
        for (name, values, shape) in before {
            guard let now = after[name], now.count == values.count else { continue }
            let changed = zip(now, values).contains { $0.bitPattern != $1.bitPattern }
            guard !changed else { continue }
            let cause: String
            switch gradients[name] ?? nil {
            case .none:
                cause = "no gradient reached it: it does not take part in the loss (a layer built but never used?)"
            case .some(let largest) where largest == 0:
                cause = "its gradient is exactly zero (dead units, or its output is multiplied by zero?)"
            case .some(let largest):
                cause =
                    optimized.contains(name)
                    ? "it has a gradient (max |g| \(largest)) but the step did not change it (learning rate 0 or frozen?)"
                    : "it has a gradient (max |g| \(largest)) but is not among the optimiser's parameters"
            }
            failures.append(
                CheckFailure(
                    "parameter \(name) was not updated by one optimiser step: \(cause)",
                    at: CheckLocation(parameter: name, shape: shape)))
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        return .passed("all \(before.count) parameter tensors changed after one step (loss \(loss.scalars[0]))")
    }

    // MARK: - Determinism and modes

    private func checkDeterminism(_ subject: ModelSubject) throws -> CheckResult {
        func run(_ label: String) throws -> (output: Tensor, parameters: [(name: String, values: [Float], shape: [Int])]) {
            let model = try makeModel(subject)
            let batch = try makeBatch(subject, size: subject.batchSize, on: subject.device)
            let output = try stage("\(label): forward pass") { try model.forward(batch.input) }
            let optimizer = try stage("\(label): making the optimiser") { try model.makeOptimizer() }
            let loss = try stage("\(label): loss") { try model.loss(batch) }
            try stage("\(label): backward pass and optimiser step") {
                loss.backward()
                try optimizer.step()
            }
            return (output, model.parameterValues())
        }
        let first = try run("first run")
        let second = try run("second run")
        try expectIdentical(second.output, first.output, "outputs of two runs with seed \(subject.seed)")
        try expectUnchanged(first.parameters, second.parameters, "in a second run with the same seed after one training step")
        return .passed("outputs and parameters after one step identical in two runs with seed \(subject.seed)")
    }

    private func checkModes(_ subject: ModelSubject) throws -> CheckResult {
        var summaries: [String] = []
        for (training, declared) in [(true, subject.modes.training), (false, subject.modes.evaluation)] {
            let mode = training ? "training" : "evaluation"
            let model = try makeModel(subject)
            model.module.train(training)
            guard model.module.isTraining == training else {
                throw CheckFailure("after train(\(training)) the model reports isTraining == \(!training)")
            }
            let batch = try makeBatch(subject, size: subject.batchSize, on: subject.device)
            let first = try stage("first forward pass in \(mode) mode") { try model.forward(batch.input) }
            let second = try stage("second forward pass in \(mode) mode") { try model.forward(batch.input) }
            let diff = try difference(second, first, rtol: 0, atol: 0)
            switch declared {
            case .deterministic where !diff.isClose:
                throw CheckFailure(
                    "in \(mode) mode two forward passes on the same input differ, but the model declares "
                        + "\(mode) deterministic (dropout or sampling active in \(mode) mode?)",
                    at: CheckLocation(element: diff.index, shape: first.shape),
                    deviation: Deviation("max |Δ|", observed: Double(diff.maxAbsoluteDifference), limit: 0))
            case .stochastic where diff.isClose:
                throw CheckFailure(
                    "in \(mode) mode two forward passes on the same input are identical, but the model "
                        + "declares \(mode) stochastic (is the noise drawn once, or disabled in \(mode) mode?)",
                    at: CheckLocation(shape: first.shape))
            default:
                summaries.append("\(mode) \(declared.rawValue)")
            }
        }
        return .passed(summaries.joined(separator: ", ") + " as declared")
    }

    // MARK: - Output range and gradient reset

    private func checkOutputRange(_ subject: ModelSubject) throws -> CheckResult {
        guard let range = subject.outputRange else { return .skipped("the subject declares no output range") }
        var low = Float.infinity, high = -Float.infinity
        let probes: [(scale: Float, training: Bool)] =
            [(1, true), (1, false)] + [10, 100, 1000].flatMap { [(Float($0), false), (-Float($0), false)] }
        for (scale, training) in probes {
            let model = try makeModel(subject)
            model.module.train(training)
            let batch = try makeBatch(subject, size: subject.batchSize, on: subject.device)
            let mode = training ? "training" : "evaluation"
            let what = scale == 1 ? "the batch" : "the batch scaled by \(Int(scale))"
            makeDeterministic(seed: subject.seed)
            let output = try stage("forward pass of \(what) in \(mode) mode") { try model.forward(batch.input * scale) }
            let values = output.scalars
            // Inputs far outside the data may overflow to NaN in a correct model (inf − inf): inconclusive.
            let bad = values.indices.first { index in
                let value = values[index]
                return value.isNaN ? scale == 1 : !range.contains(value)
            }
            if let bad {
                throw CheckFailure(
                    "output value \(values[bad]) of \(what) (\(mode) mode) lies outside the declared range \(range) "
                        + "(final activation missing?)",
                    at: CheckLocation(
                        element: ShapeRules.multiIndex(ofFlatIndex: bad, in: output.shape), shape: output.shape))
            }
            for v in values where !v.isNaN { low = min(low, v); high = max(high, v) }
        }
        if range.lowerBound < 0 && range.upperBound > 0 && !(low < 0 && high > 0) {
            throw CheckFailure(
                "every output has one sign (min \(low), max \(high)), also for inputs scaled by ±10, ±100 and ±1000, "
                    + "though the declared range \(range) spans 0 (final activation replaced, e.g. Sigmoid for Tanh?)")
        }
        return .passed("outputs within \(range) (min \(low), max \(high)), also for inputs scaled by ±10, ±100, ±1000")
    }

    private func checkGradientsReset(_ subject: ModelSubject) throws -> CheckResult {
        let model = try makeModel(subject)
        let optimizer = try stage("making the optimiser") { try model.makeOptimizer() }
        let batch = try makeBatch(subject, size: subject.batchSize, on: subject.device)
        let loss = try stage("loss") { try model.loss(batch) }
        try expectScalar(loss)
        try stage("backward pass") { loss.backward() }
        let reached = model.module.namedParameters().filter { $0.parameter.grad != nil }.count
        optimizer.zeroGrad()
        var failures: [CheckFailure] = []
        for (name, parameter) in model.module.namedParameters() {
            guard let grad = parameter.grad else { continue }
            let largest = try stage("copying the gradient of \(name)") { try grad.to(.cpu) }.scalars.reduce(Float(0)) {
                max($0, abs($1))
            }
            guard largest != 0 else { continue }
            failures.append(
                CheckFailure(
                    "the optimiser's zeroGrad() left parameter \(name)'s gradient in place: the next backward pass "
                        + "adds to it (gradients accumulate across steps)",
                    at: CheckLocation(parameter: name, shape: grad.shape),
                    deviation: Deviation("max |gradient| after zeroGrad()", observed: Double(largest), limit: 0)))
        }
        if let failure = CheckFailure.combining(failures) { throw failure }
        return .passed("zeroGrad() cleared the gradients of all \(reached) parameters a backward pass reached")
    }

    // MARK: - Helpers

    private func makeModel(_ subject: ModelSubject) throws(CheckFailure) -> ModelInstance {
        makeDeterministic(seed: subject.seed)
        return try stage("making the model (seed \(subject.seed), \(subject.device))", at: CheckLocation(device: subject.device))
        {
            try subject.instantiate(subject.seed, subject.device)
        }
    }

    private func makeBatch(_ subject: ModelSubject, size: Int, on device: Device) throws(CheckFailure) -> ModelBatch {
        try stage("making a batch of \(size) (seed \(subject.seed)) on \(device)") {
            try subject.makeBatch(size, subject.seed).to(device)
        }
    }

    private func expectOn(_ device: Device, _ model: ModelInstance, _ what: String) throws(CheckFailure) {
        for (name, parameter) in model.module.namedParameters() where parameter.device != device {
            throw CheckFailure(
                "\(what): parameter on \(parameter.device), expected \(device)",
                at: CheckLocation(parameter: name, device: parameter.device))
        }
        for (name, buffer) in model.module.namedBuffers() where buffer.device != device {
            throw CheckFailure(
                "\(what): buffer on \(buffer.device), expected \(device)",
                at: CheckLocation(parameter: name, device: buffer.device))
        }
    }

    private func expectScalar(_ loss: Tensor) throws(CheckFailure) {
        guard loss.count == 1 else {
            throw CheckFailure("the loss has shape \(loss.shape); expected one element", at: CheckLocation(shape: loss.shape))
        }
    }

    private func expectFinite(_ tensor: Tensor, _ what: String, at location: CheckLocation = CheckLocation()) throws(CheckFailure)
    {
        let values = tensor.scalars
        guard let bad = values.firstIndex(where: { !$0.isFinite }) else { return }
        let count = values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        throw CheckFailure(
            "\(what) has \(count) non-finite elements, the first \(values[bad])",
            at: location.merging(
                CheckLocation(element: ShapeRules.multiIndex(ofFlatIndex: bad, in: tensor.shape), shape: tensor.shape)))
    }

    private func expectUnchanged(
        _ before: [(name: String, values: [Float], shape: [Int])],
        _ after: [(name: String, values: [Float], shape: [Int])], _ when: String
    ) throws(CheckFailure) {
        try expectSameParameters(
            after.map { ($0.name, Tensor(shape: $0.shape, scalars: $0.values)) },
            before.map { ($0.name, Tensor(shape: $0.shape, scalars: $0.values)) },
            tolerance: 0, what: when)
    }
}
