import TensorCore

/// Why ``Module/loadStateDict(_:strict:)`` refused a state dict. Nothing is loaded when it throws.
///
/// A struct rather than an enum of single problems: like PyTorch's `load_state_dict`, it reports
/// every problem at once (all missing keys, all unexpected keys, all shape mismatches), so that one
/// attempt shows everything that has to change. Check the lists that are not empty.
public struct StateDictError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key whose tensor has the wrong shape.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The dotted name, e.g. `encoder.0.weight`.
        public var key: String
        /// Shape of the module's parameter or buffer.
        public var expected: [Int]
        /// Shape of the tensor in the state dict.
        public var found: [Int]

        /// A mismatch of `key`: the module has `expected`, the state dict `found`.
        public init(key: String, expected: [Int], found: [Int]) {
            self.key = key
            self.expected = expected
            self.found = found
        }
    }

    /// Keys of the module that the state dict lacks (sorted).
    public var missingKeys: [String]
    /// Keys of the state dict that the module does not have (sorted).
    public var unexpectedKeys: [String]
    /// Keys present in both with different shapes (sorted by key).
    public var shapeMismatches: [ShapeMismatch]
    /// A tensor could not be moved to the module's device.
    public var deviceError: DeviceError?

    /// An error listing every problem found (empty lists when there is none of a kind).
    public init(
        missingKeys: [String] = [], unexpectedKeys: [String] = [],
        shapeMismatches: [ShapeMismatch] = [], deviceError: DeviceError? = nil
    ) {
        self.missingKeys = missingKeys
        self.unexpectedKeys = unexpectedKeys
        self.shapeMismatches = shapeMismatches
        self.deviceError = deviceError
    }

    public var description: String {
        var parts: [String] = []
        if !missingKeys.isEmpty { parts.append("missing keys: \(missingKeys.joined(separator: ", "))") }
        if !unexpectedKeys.isEmpty { parts.append("unexpected keys: \(unexpectedKeys.joined(separator: ", "))") }
        for mismatch in shapeMismatches {
            parts.append(
                "size mismatch for \(mismatch.key): the module has shape \(mismatch.expected), "
                    + "the state dict has shape \(mismatch.found)")
        }
        if let deviceError { parts.append(deviceError.description) }
        return "error loading state dict: " + parts.joined(separator: "; ")
    }
}
