import Optim

/// Optimizers (SGD, Adam) take NN parameters directly: `try Adam(model.namedParameters())`.
/// `Parameter` already provides `value`, `grad` and `updateInPlace(_:)`, which the protocol asks for.
extension Parameter: OptimizableParameter {}
