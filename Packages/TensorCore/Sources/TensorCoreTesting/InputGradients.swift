import TensorCore

/// The gradient of `sum(function(inputs))` with respect to each input, as host values: the inputs
/// are copied into fresh autodiff leaves, so the caller's tensors are not touched. An input that
/// gets no gradient gives `[]`.
///
/// ```swift
/// inputGradients(of: [Tensor([0, 2])]) { $0[0].pow(0) }   // [[0, 0]]
/// ```
public func inputGradients(of inputs: [Tensor], _ function: ([Tensor]) -> Tensor) -> [[Float]] {
    let leaves = inputs.map { input -> Tensor in
        var leaf = input
        leaf.requiresGrad = true
        return leaf
    }
    function(leaves).sum().backward()
    return leaves.map { $0.grad?.scalars ?? [] }
}
