import TensorCore
import TensorCoreTesting

/// Compares the autodiff gradients of `function` with central finite differences (TensorCore's
/// ``checkGradients(at:names:options:_:)``) and throws when they disagree.
///
/// ```swift
/// try expectGradientsMatch(at: [x, w], names: ["x", "w"]) { inputs in
///     (inputs[0].matmul(inputs[1])).tanh()
/// }
/// ```
/// The function runs inside the tensor checking scope, so a shape error fails with its message.
///
/// - Returns: TensorCore's result (worst element, number of elements checked).
/// - Throws: ``CheckFailure`` naming the input (as the parameter), the element index, the
///   analytic and numeric values, and the error against the allowed error; or when no comparison
///   was possible.
@discardableResult
public func expectGradientsMatch(
    at inputs: [Tensor], names: [String]? = nil,
    options: GradientCheckOptions = GradientCheckOptions(),
    _ function: ([Tensor]) throws -> Tensor
) throws(CheckFailure) -> GradientCheckResult {
    let result = try stage("gradient check") { try checkGradients(at: inputs, names: names, options: options, function) }
    if let problem = result.problem {
        throw CheckFailure("gradients could not be compared: \(problem)")
    }
    guard result.passed else {
        let worst = result.worst
        throw CheckFailure(
            "autodiff and finite-difference gradients disagree at \(result.failures) of "
                + "\(result.checkedElements) elements; worst: analytic \(worst?.analytic ?? .nan), "
                + "numeric \(worst?.numeric ?? .nan)",
            at: CheckLocation(parameter: worst?.inputName, element: worst?.index, shape: worst?.inputShape),
            deviation: worst.map { Deviation("|analytic − numeric|", observed: $0.error, limit: $0.allowed) })
    }
    return result
}
