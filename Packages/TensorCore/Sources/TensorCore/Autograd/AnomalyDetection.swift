import Synchronization

/// A NaN or an infinity found by ``withAnomalyDetection(_:)``: where it appeared first (an
/// operation's result, a backward gradient, or an input that already held it), in which operation,
/// from which inputs, inside which module.
public struct NumericalAnomaly: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the non-finite values were found.
    public enum Phase: String, Equatable, Sendable {
        /// The operation's result, from finite inputs: the operation produced them.
        case forward
        /// A gradient the operation's backward rule computed for one of its inputs.
        case backward
        /// An input of the operation already held them, and no checked operation produced them:
        /// a parameter, the data, or a tensor made outside autodiff.
        case input
    }

    /// Whether the values came from the operation's result, a backward gradient or an input.
    public var phase: Phase
    /// The operation's name, as autodiff records it (`"matmul"`, `"exp"`, `"conv2d"`, …).
    public var op: String
    /// Shapes of the operation's inputs, in order.
    public var inputShapes: [[Int]]
    /// Backward and input: the index of the input whose gradient, or value, is not finite.
    public var inputIndex: Int?
    /// Shape of the tensor that holds the non-finite values (the result, the gradient or the input).
    public var shape: [Int]
    /// Number of NaN elements in it.
    public var nanCount: Int
    /// Number of infinite elements in it.
    public var infinityCount: Int
    /// Where in the model the operation ran, e.g. `"encoder.6 (Linear)"` (see ``withModuleScope(_:type:_:)``);
    /// `nil` outside every module scope.
    public var modulePath: String?

    /// An anomaly with the given fields (``withAnomalyDetection(_:)`` creates them; public for
    /// tests and for code that reports its own findings the same way).
    public init(
        phase: Phase, op: String, inputShapes: [[Int]], inputIndex: Int? = nil, shape: [Int],
        nanCount: Int, infinityCount: Int, modulePath: String?
    ) {
        self.phase = phase
        self.op = op
        self.inputShapes = inputShapes
        self.inputIndex = inputIndex
        self.shape = shape
        self.nanCount = nanCount
        self.infinityCount = infinityCount
        self.modulePath = modulePath
    }

    public var description: String {
        let inputs = inputShapes.map { "\($0)" }.joined(separator: ", ")
        let place = modulePath.map { " in module \($0)" } ?? " outside any module"
        let values = "\(nanCount) NaN and \(infinityCount) infinite of \(shape.reduce(1, *)) values, shape \(shape)"
        switch phase {
        case .forward:
            return "numerical anomaly: forward of '\(op)'\(place) produced non-finite values (\(values)); inputs \(inputs)"
        case .backward:
            let input = inputIndex.map { "input \($0)" } ?? "an input"
            return "numerical anomaly: backward of '\(op)'\(place) produced a non-finite gradient for \(input) "
                + "(\(values)); inputs \(inputs)"
        case .input:
            let input = inputIndex.map { "input \($0)" } ?? "an input"
            return "numerical anomaly: \(input) of '\(op)'\(place) already holds non-finite values (\(values)): "
                + "a parameter, the data or a tensor made outside autodiff; inputs \(inputs)"
        }
    }
}

/// Runs `body` in anomaly-detection mode (PyTorch's `torch.autograd.detect_anomaly`): every
/// operation checks its result, and every backward rule the gradients it computes, for NaN and
/// infinity; the first one found is kept, and thrown when `body` ends — or earlier, where the
/// caller asks with ``AnomalyDetection/throwIfDetected()`` (a trainer does, before the optimizer
/// step, so that a broken step never reaches the parameters).
///
/// Off by default: outside this scope operations check nothing. Inside, every result is read back
/// to the host and scanned (VAE training steps on the CPU took 1.4–1.7× as long; on a GPU each
/// result is also copied to the host); use it to find where NaNs start.
/// The scope is task-local, like ``withNoGrad(_:)``; backward passes must run inside it to be checked.
///
/// ```swift
/// do {
///     try withAnomalyDetection {
///         let loss = model(x).sum()
///         loss.backward()
///     }
/// } catch let anomaly as NumericalAnomaly {
///     print(anomaly)   // "numerical anomaly: forward of 'exp' in module encoder.6 (Linear) …"
/// }
/// ```
/// - Throws: the first ``NumericalAnomaly`` found inside `body`; otherwise whatever `body` throws.
///   An anomaly wins over an error `body` throws, since it is usually the cause.
public func withAnomalyDetection<T>(_ body: () throws -> T) throws -> T {
    let detector = AnomalyDetector()
    let result: Result<T, any Error> = AnomalyDetector.$current.withValue(detector) { Result { try body() } }
    if let anomaly = detector.first { throw anomaly }
    return try result.get()
}

/// The `async` form of ``withAnomalyDetection(_:)``.
///
/// - Throws: the first ``NumericalAnomaly`` found inside `body`; otherwise whatever `body` throws.
public func withAnomalyDetection<T>(_ body: () async throws -> T) async throws -> T {
    let detector = AnomalyDetector()
    let result: Result<T, any Error>
    do {
        result = .success(try await AnomalyDetector.$current.withValue(detector) { try await body() })
    } catch {
        result = .failure(error)
    }
    if let anomaly = detector.first { throw anomaly }
    return try result.get()
}

/// Runs `body` as the module `name` of type `type` for anomaly reports: operations inside are
/// located as `parent.name (type)` (names joined with dots, as parameter names are). Costs nothing
/// outside anomaly-detection mode. ``Sequential`` scopes each of its layers; a composite module
/// scopes its children by their property names (NN's `Layer.callAsFunction(_:named:)` does both).
public func withModuleScope<T>(_ name: String, type: String, _ body: () throws -> T) rethrows -> T {
    guard AnomalyDetector.current != nil else { return try body() }
    return try ModuleScope.$current.withValue(ModuleScope(parent: ModuleScope.current, name: name, type: type)) {
        try body()
    }
}

/// Queries about the anomaly-detection mode of the current task.
public enum AnomalyDetection {
    /// True inside ``withAnomalyDetection(_:)``.
    public static var isEnabled: Bool { AnomalyDetector.current != nil }

    /// Throws the first anomaly found so far in the enclosing ``withAnomalyDetection(_:)`` scope;
    /// returns when there is none or outside such a scope.
    /// - Throws: ``NumericalAnomaly``.
    public static func throwIfDetected() throws(NumericalAnomaly) {
        if let anomaly = AnomalyDetector.current?.first { throw anomaly }
    }
}

/// The module-scope stack of the current task (innermost last), as a linked list of immutable nodes.
final class ModuleScope: Sendable {
    @TaskLocal static var current: ModuleScope?

    let parent: ModuleScope?
    let name: String
    let type: String

    init(parent: ModuleScope?, name: String, type: String) {
        self.parent = parent
        self.name = name
        self.type = type
    }

    /// `"encoder.6 (Linear)"`: the non-empty names from the outermost scope in, and the innermost type.
    var path: String {
        var names: [String] = []
        var scope: ModuleScope? = self
        while let current = scope {
            if !current.name.isEmpty { names.append(current.name) }
            scope = current.parent
        }
        let dotted = names.reversed().joined(separator: ".")
        return dotted.isEmpty ? "(\(type))" : "\(dotted) (\(type))"
    }
}

/// Collects the first anomaly of one ``withAnomalyDetection(_:)`` scope.
final class AnomalyDetector: Sendable {
    @TaskLocal static var current: AnomalyDetector?

    private let anomaly = Mutex<NumericalAnomaly?>(nil)

    var first: NumericalAnomaly? { anomaly.withLock { $0 } }

    private func record(_ found: NumericalAnomaly) {
        anomaly.withLock { if $0 == nil { $0 = found } }
    }

    /// Checks the result of `op`; once an anomaly is known, later ones are not looked for. A
    /// non-finite result is blamed on the first input that already holds non-finite values (the
    /// inputs are scanned only then), else on the operation.
    func inspectForward(_ result: Tensor, op: String, inputs: [Tensor]) {
        guard first == nil, let (nans, infinities) = Self.nonFiniteCounts(result) else { return }
        let shapes = inputs.map(\.shape)
        let path = ModuleScope.current?.path
        for (index, input) in inputs.enumerated() {
            if let (inputNaNs, inputInfinities) = Self.nonFiniteCounts(input) {
                record(
                    NumericalAnomaly(
                        phase: .input, op: op, inputShapes: shapes, inputIndex: index, shape: input.shape,
                        nanCount: inputNaNs, infinityCount: inputInfinities, modulePath: path))
                return
            }
        }
        record(
            NumericalAnomaly(
                phase: .forward, op: op, inputShapes: shapes, shape: result.shape,
                nanCount: nans, infinityCount: infinities, modulePath: path))
    }

    /// `backward` followed by a check of the gradients it returns, reported with what the forward
    /// pass knew (operation, input shapes, module path). Checks only inside an anomaly scope.
    func inspectingBackward(_ backward: @escaping BackwardFunction, op: String, inputs: [Tensor]) -> BackwardFunction {
        let inputShapes = inputs.map(\.shape)
        let modulePath = ModuleScope.current?.path
        return { gradient in
            guard let detector = AnomalyDetector.current, detector.first == nil else { return backward(gradient) }
            // The rule's own operations are not checked one by one: a non-finite gradient is the
            // rule's result, reported as such.
            let gradients = AnomalyDetector.$current.withValue(nil) { backward(gradient) }
            for (index, inputGradient) in gradients.enumerated() {
                guard let inputGradient, let (nans, infinities) = Self.nonFiniteCounts(inputGradient) else { continue }
                detector.record(
                    NumericalAnomaly(
                        phase: .backward, op: op, inputShapes: inputShapes, inputIndex: index,
                        shape: inputGradient.shape, nanCount: nans, infinityCount: infinities,
                        modulePath: modulePath))
                break
            }
            return gradients
        }
    }

    /// The numbers of NaN and infinite elements of `tensor`, or nil when every element is finite.
    static func nonFiniteCounts(_ tensor: Tensor) -> (nans: Int, infinities: Int)? {
        var nans = 0
        var infinities = 0
        for value in tensor.scalars where !value.isFinite {
            if value.isNaN { nans += 1 } else { infinities += 1 }
        }
        return nans + infinities == 0 ? nil : (nans, infinities)
    }
}
