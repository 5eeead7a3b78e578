import TensorCore

/// Errors of optimizer construction, steps, and state restoring; each names the parameter, key or
/// setting involved.
public enum OptimizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A hyperparameter is out of its valid range.
    case invalidHyperparameter(name: String, value: Double, requirement: String)
    /// Two parameters share a name, or one parameter object is listed twice.
    case duplicateParameter(String)
    /// A parameter's gradient does not have the parameter's shape.
    case gradientShapeMismatch(parameter: String, parameterShape: [Int], gradientShape: [Int])
    /// A parameter's gradient lives on another device.
    case gradientDeviceMismatch(parameter: String, parameterDevice: Device, gradientDevice: Device)
    /// A saved state belongs to another kind of optimizer.
    case wrongOptimizer(expected: String, found: String)
    /// A saved state lacks an entry this optimizer needs.
    case missingKey(String)
    /// A saved state has an entry this optimizer does not know (e.g. a parameter it does not own).
    case unexpectedKey(String)
    /// A saved tensor's shape differs from the parameter's.
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    /// A saved value is not acceptable (e.g. a negative or fractional step count).
    case invalidValue(key: String, reason: String)
    /// Saved state could not be moved to its parameter's device.
    case device(key: String, DeviceError)

    public var description: String {
        switch self {
        case .invalidHyperparameter(let name, let value, let requirement):
            return "invalid optimizer setting \(name) = \(value): \(requirement)"
        case .duplicateParameter(let name):
            return "parameter '\(name)' is given to the optimizer twice (by name or by identity)"
        case .gradientShapeMismatch(let name, let parameterShape, let gradientShape):
            return "gradient of parameter '\(name)' has shape \(gradientShape), the parameter \(parameterShape)"
        case .gradientDeviceMismatch(let name, let parameterDevice, let gradientDevice):
            return "gradient of parameter '\(name)' is on \(gradientDevice), the parameter on \(parameterDevice)"
        case .wrongOptimizer(let expected, let found):
            return "optimizer state was saved by \(found), cannot load it into \(expected)"
        case .missingKey(let key):
            return "optimizer state has no entry '\(key)'"
        case .unexpectedKey(let key):
            return "optimizer state has an unknown entry '\(key)' (no such parameter or setting in this optimizer)"
        case .shapeMismatch(let key, let expected, let found):
            return "optimizer state entry '\(key)' has shape \(found), expected \(expected)"
        case .invalidValue(let key, let reason):
            return "optimizer state entry '\(key)' is invalid: \(reason)"
        case .device(let key, let error):
            return "optimizer state entry '\(key)': \(error)"
        }
    }
}
