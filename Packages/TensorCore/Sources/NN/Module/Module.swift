import TensorCore

/// A building block of a neural network: a reference-type node that owns parameters, buffers and
/// child modules (PyTorch's `nn.Module`).
///
/// Structure is fixed at construction (children and parameters are `let` properties); the mutable
/// state — parameter values, gradients, buffers, the train/eval flag — lives in thread-safe
/// boxes (``Parameter``, ``Buffer``, ``TrainingFlag``), so modules are `Sendable` for real.
///
/// ## Defining a module
/// Declare children, parameters and buffers as stored properties: reflection discovers them and
/// names them after the properties, exactly as PyTorch names attributes (arrays of modules are
/// numbered, `blocks.0`, `blocks.1`, …). The one method to write is ``copy(with:)``, which
/// rebuilds the module from copies of its parts (``moved(to:)`` and ``copy()`` use it).
///
/// ```swift
/// final class Classifier: Layer {
///     let hidden: Linear
///     let output: Linear
///
///     init(inputs: Int, classes: Int) {
///         hidden = Linear(inputs, 128)
///         output = Linear(128, classes)
///     }
///     init(hidden: Linear, output: Linear) { self.hidden = hidden; self.output = output }
///
///     func callAsFunction(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
///
///     func copy(with clone: ModuleCloner) throws(DeviceError) -> Classifier {
///         Classifier(hidden: try clone(hidden), output: try clone(output))
///     }
/// }
/// // namedParameters(): hidden.weight, hidden.bias, output.weight, output.bias
/// ```
///
/// A module with encoder and decoder `Sequential`s gets `encoder.0.weight`, `decoder.2.bias`, …
/// — the keys PyTorch's `state_dict()` uses for the same architecture.
///
/// To name things differently (or to avoid reflection on a hot path), implement
/// ``namedChildren``, ``namedLocalParameters``, ``namedLocalBuffers`` and ``trainingFlag`` yourself;
/// the built-in layers do.
///
/// ## Train and eval mode
/// A module that stores a ``TrainingFlag`` reports it; one without (a typical composite) is in
/// training mode when all its children are. ``train(_:)`` and ``eval()`` set every flag below.
public protocol Module: AnyObject, Sendable {
    /// The direct child modules with their names, in declaration order.
    /// Default: the stored properties (and arrays of them) whose values are modules.
    var namedChildren: [(name: String, module: any Module)] { get }

    /// The parameters this module owns directly (not through children), with their names.
    /// Default: the stored properties (and arrays of them) of type ``Parameter``.
    var namedLocalParameters: [(name: String, parameter: Parameter)] { get }

    /// The buffers this module owns directly, with their names.
    /// Default: the stored properties (and arrays of them) of type ``Buffer``.
    var namedLocalBuffers: [(name: String, buffer: Buffer)] { get }

    /// This module's own train/eval flag, or `nil` when its mode is that of its children.
    /// Default: the first stored property of type ``TrainingFlag``.
    var trainingFlag: TrainingFlag? { get }

    /// A deep copy of this module built from copies of its parts, each made by `clone`
    /// (which also moves them to its target device and keeps shared parameters shared).
    ///
    /// Implement it by calling the module's initialiser with `try clone(part)` for every child,
    /// parameter, buffer and training flag. Never mutate `self`.
    /// - Throws: ``DeviceError`` when the cloner's target device is unavailable.
    func copy(with clone: ModuleCloner) throws(DeviceError) -> Self
}

/// A module with one tensor input and one tensor output, which ``Sequential`` can chain.
public protocol Layer: Module {
    /// Applies the layer to `input` (shapes are documented by each layer).
    func callAsFunction(_ input: Tensor) -> Tensor
}

// MARK: - Defaults through reflection

extension Module {
    public var namedChildren: [(name: String, module: any Module)] { ReflectedContents(of: self).children }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { ReflectedContents(of: self).parameters }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { ReflectedContents(of: self).buffers }
    public var trainingFlag: TrainingFlag? { ReflectedContents(of: self).trainingFlag }
}

// MARK: - Traversal

extension Module {
    /// The direct child modules, in order.
    public var children: [any Module] { namedChildren.map(\.module) }

    /// This module (named `""`) and all its descendants, with dotted names (`encoder`, `encoder.0`, …),
    /// parents before children; a module reachable twice is listed once.
    public func namedModules() -> [(name: String, module: any Module)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(name: String, module: any Module)] = []
        func visit(_ module: any Module, _ name: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            result.append((name, module))
            for (childName, child) in module.namedChildren {
                visit(child, name.isEmpty ? childName : name + "." + childName)
            }
        }
        visit(self, "")
        return result
    }

    /// Every parameter with its dotted name (`encoder.0.weight`), in the order of PyTorch's
    /// `named_parameters()`: a module's own parameters, then each child's, depth first.
    /// A parameter shared by several modules is listed once, under its first name.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var seen = Set<ObjectIdentifier>()
        return allNamedParameters().filter { seen.insert(ObjectIdentifier($0.parameter)).inserted }
    }

    /// Every parameter once, in ``namedParameters()`` order (what an optimizer is given).
    public var parameters: [Parameter] { namedParameters().map(\.parameter) }

    /// Every buffer with its dotted name (`bn.running_mean`), in the order of PyTorch's `named_buffers()`.
    public func namedBuffers() -> [(name: String, buffer: Buffer)] {
        var seen = Set<ObjectIdentifier>()
        return allNamedBuffers().filter { seen.insert(ObjectIdentifier($0.buffer)).inserted }
    }

    /// Total number of scalar parameters (shared parameters counted once), as
    /// `sum(p.numel() for p in model.parameters())` in PyTorch.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Clears the gradient of every parameter.
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }

    /// The device of the module's first parameter or buffer (``Device/cpu`` for a module without any).
    public var device: Device {
        if let parameter = allNamedParameters().first { return parameter.parameter.device }
        if let buffer = allNamedBuffers().first { return buffer.buffer.device }
        return .cpu
    }

    /// All parameters with names, duplicates included (state dicts list shared tensors under every name).
    func allNamedParameters() -> [(name: String, parameter: Parameter)] {
        var result: [(name: String, parameter: Parameter)] = []
        for (prefix, module) in namedModules() {
            for (name, parameter) in module.namedLocalParameters {
                result.append((prefix.isEmpty ? name : prefix + "." + name, parameter))
            }
        }
        return result
    }

    /// All buffers with names, duplicates included.
    func allNamedBuffers() -> [(name: String, buffer: Buffer)] {
        var result: [(name: String, buffer: Buffer)] = []
        for (prefix, module) in namedModules() {
            for (name, buffer) in module.namedLocalBuffers {
                result.append((prefix.isEmpty ? name : prefix + "." + name, buffer))
            }
        }
        return result
    }
}

// MARK: - Train and eval mode

extension Module {
    /// Whether the module is in training mode: its own ``trainingFlag`` when it has one, otherwise
    /// `true` when every child is in training mode (and `true` for a module with neither).
    public var isTraining: Bool {
        if let flag = trainingFlag { return flag.isOn }
        return children.allSatisfy { $0.isTraining }
    }

    /// Puts this module and every descendant into training mode (`mode == true`) or evaluation
    /// mode, like PyTorch's `module.train(mode)`. Affects ``Dropout`` and ``BatchNorm``.
    public func train(_ mode: Bool = true) {
        for (_, module) in namedModules() {
            module.trainingFlag?.isOn = mode
        }
    }

    /// Puts this module and every descendant into evaluation mode (`train(false)`).
    public func eval() {
        train(false)
    }
}

// MARK: - Copies

extension Module {
    /// A deep copy on `device`: new parameters, buffers and flags holding the same values
    /// (and gradients), in the same mode. The source module is never changed.
    ///
    /// - Throws: ``DeviceError/unavailable(_:reason:)`` when `device` has no backend
    ///   (for example `.cuda(0)` without the CUDABackend package or a GPU).
    public func moved(to device: Device) throws(DeviceError) -> Self {
        try ModuleCloner(device: device)(self)
    }

    /// A deep copy on the same device: changing one never changes the other. Memory is shared
    /// until either side updates a value (copy-on-write), so copying is cheap.
    public func copy() -> Self {
        do {
            return try ModuleCloner(device: nil)(self)
        } catch {
            // A cloner without a target device never moves tensors, the only source of DeviceError.
            preconditionFailure("copying on the same device cannot fail: \(error)")
        }
    }
}
