import TensorCore

extension Module {
    /// The module's state: every parameter and buffer value (without autodiff history) by dotted
    /// name, with the keys PyTorch's `state_dict()` uses (`encoder.0.weight`, `bn.running_mean`, …).
    /// The tensors share memory with the module until either side is updated (copy-on-write).
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, parameter) in allNamedParameters() { result[name] = parameter.value.detached() }
        for (name, buffer) in allNamedBuffers() { result[name] = buffer.value }
        return result
    }

    /// The keys of ``stateDict()`` in PyTorch's order (parameters and buffers of each module, depth first).
    public var stateDictKeys: [String] {
        var keys: [String] = []
        for (prefix, module) in namedModules() {
            let names = module.namedLocalParameters.map(\.name) + module.namedLocalBuffers.map(\.name)
            keys += names.map { prefix.isEmpty ? $0 : prefix + "." + $0 }
        }
        return keys
    }

    /// Copies the values of `state` into the module's parameters and buffers, moving them to the
    /// module's device. Gradients are kept; the mode and structure do not change.
    ///
    /// Everything is checked before anything is written, so a failed load leaves the module unchanged.
    /// - Parameters:
    ///   - state: tensors by dotted name, as ``stateDict()`` returns them.
    ///   - strict: when `true` (the default) keys missing from `state` or unknown to the module are
    ///     errors; when `false` only the common keys are loaded (shapes must still match).
    /// - Throws: ``StateDictError`` naming every missing and unexpected key and every shape
    ///   mismatch (with both shapes), or the device error when a tensor cannot be moved.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws(StateDictError) {
        let parameters = allNamedParameters()
        let buffers = allNamedBuffers()
        var expected: [String: [Int]] = [:]
        for (name, parameter) in parameters { expected[name] = parameter.shape }
        for (name, buffer) in buffers { expected[name] = buffer.shape }

        var problems = StateDictError()
        if strict {
            problems.missingKeys = expected.keys.filter { state[$0] == nil }.sorted()
            problems.unexpectedKeys = state.keys.filter { expected[$0] == nil }.sorted()
        }
        problems.shapeMismatches = state.compactMap { key, tensor in
            guard let shape = expected[key], shape != tensor.shape else { return nil }
            return StateDictError.ShapeMismatch(key: key, expected: shape, found: tensor.shape)
        }.sorted { $0.key < $1.key }

        // Move everything first, so that a device failure also leaves the module untouched.
        var moved: [String: Tensor] = [:]
        if problems.shapeMismatches.isEmpty {
            do throws(DeviceError) {
                for (name, parameter) in parameters {
                    if let t = state[name] { moved[name] = try t.detached().to(parameter.device) }
                }
                for (name, buffer) in buffers { if let t = state[name] { moved[name] = try t.detached().to(buffer.device) } }
            } catch {
                problems.deviceError = error
            }
        }
        guard problems.missingKeys.isEmpty, problems.unexpectedKeys.isEmpty, problems.shapeMismatches.isEmpty,
            problems.deviceError == nil
        else { throw problems }

        for (name, parameter) in parameters { if let t = moved[name] { parameter.value = t } }
        for (name, buffer) in buffers { if let t = moved[name] { buffer.value = t } }
    }
}
