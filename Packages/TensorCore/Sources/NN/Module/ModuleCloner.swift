import TensorCore

/// Makes the parts of a module's deep copy (see ``Module/copy(with:)``): each call returns a copy of
/// a child module, parameter, buffer or flag, on the target device.
///
/// One cloner serves one whole copy and remembers what it copied, so a parameter or module that
/// appears twice in the source (tied weights) is one object in the copy too. Copies share memory
/// with the source until either is updated (copy-on-write), so copying on the same device is cheap.
public final class ModuleCloner {
    /// Where the copies live; `nil` keeps every tensor on its device.
    public let device: Device?

    private var modules: [ObjectIdentifier: any Module] = [:]
    private var parameters: [ObjectIdentifier: Parameter] = [:]
    private var buffers: [ObjectIdentifier: Buffer] = [:]
    private var flags: [ObjectIdentifier: TrainingFlag] = [:]

    /// A cloner that puts copies on `device` (or leaves them where they are when `nil`).
    public init(device: Device?) {
        self.device = device
    }

    /// A deep copy of `module`.
    /// - Throws: ``DeviceError`` when the target device is unavailable.
    public func callAsFunction<M: Module>(_ module: M) throws(DeviceError) -> M {
        if let done = modules[ObjectIdentifier(module)] as? M { return done }
        let copy = try module.copy(with: self)
        modules[ObjectIdentifier(module)] = copy
        return copy
    }

    /// Deep copies of `layers`, in order (for containers such as ``Sequential``).
    /// - Throws: ``DeviceError`` when the target device is unavailable.
    public func callAsFunction(_ layers: [any Layer]) throws(DeviceError) -> [any Layer] {
        var result: [any Layer] = []
        result.reserveCapacity(layers.count)
        for layer in layers { result.append(try copyOpened(layer)) }
        return result
    }

    private func copyOpened<L: Layer>(_ layer: L) throws(DeviceError) -> any Layer {
        try self(layer)
    }

    /// A new parameter with the value (and gradient) of `parameter`.
    /// - Throws: ``DeviceError`` when the target device is unavailable.
    public func callAsFunction(_ parameter: Parameter) throws(DeviceError) -> Parameter {
        if let done = parameters[ObjectIdentifier(parameter)] { return done }
        let copy = Parameter(try moved(parameter.value))
        if let gradient = parameter.grad { copy.grad = try moved(gradient) }
        parameters[ObjectIdentifier(parameter)] = copy
        return copy
    }

    /// A new parameter for an optional one (`nil` stays `nil`).
    /// - Throws: ``DeviceError`` when the target device is unavailable.
    public func callAsFunction(_ parameter: Parameter?) throws(DeviceError) -> Parameter? {
        guard let parameter else { return nil }
        return try self(parameter)
    }

    /// A new buffer with the value of `buffer`.
    /// - Throws: ``DeviceError`` when the target device is unavailable.
    public func callAsFunction(_ buffer: Buffer) throws(DeviceError) -> Buffer {
        if let done = buffers[ObjectIdentifier(buffer)] { return done }
        let copy = Buffer(try moved(buffer.value))
        buffers[ObjectIdentifier(buffer)] = copy
        return copy
    }

    /// A new buffer for an optional one (`nil` stays `nil`).
    /// - Throws: ``DeviceError`` when the target device is unavailable.
    public func callAsFunction(_ buffer: Buffer?) throws(DeviceError) -> Buffer? {
        guard let buffer else { return nil }
        return try self(buffer)
    }

    /// A new flag in the same mode as `flag`.
    public func callAsFunction(_ flag: TrainingFlag) -> TrainingFlag {
        if let done = flags[ObjectIdentifier(flag)] { return done }
        let copy = TrainingFlag(flag.isOn)
        flags[ObjectIdentifier(flag)] = copy
        return copy
    }

    /// `tensor` without history, on the target device.
    private func moved(_ tensor: Tensor) throws(DeviceError) -> Tensor {
        let detached = tensor.detached()
        guard let device else { return detached }
        return try detached.to(device)
    }
}
