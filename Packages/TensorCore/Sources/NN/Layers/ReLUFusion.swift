import TensorCore

/// A layer whose output ends with a bias addition, which can apply a following ``ReLU`` in the same
/// pass over memory (see ``TensorCore/Tensor/reluAfterAdding(_:)``). ``Sequential`` uses it for a
/// layer directly followed by a ReLU; values and gradients are those of the two layers in turn.
protocol ReLUFusingLayer: Layer {
    /// `relu(self(input))`, with the ReLU fused into the layer's last pass.
    func callFollowedByReLU(_ input: Tensor) -> Tensor
}

/// One step of a ``Sequential``'s forward pass.
enum SequentialStep: Sendable {
    /// A layer applied on its own.
    case layer(any Layer)
    /// A bias layer and the ReLU after it, applied as one.
    case followedByReLU(any ReLUFusingLayer)

    /// `layers` as steps: each ReLU-fusing layer directly followed by a ``ReLU`` absorbs it.
    static func plan(_ layers: [any Layer]) -> [SequentialStep] {
        var steps: [SequentialStep] = []
        var index = 0
        while index < layers.count {
            if index + 1 < layers.count, layers[index + 1] is ReLU, let fusing = layers[index] as? any ReLUFusingLayer {
                steps.append(.followedByReLU(fusing))
                index += 2
            } else {
                steps.append(.layer(layers[index]))
                index += 1
            }
        }
        return steps
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        switch self {
        case .layer(let layer): layer(input)
        case .followedByReLU(let layer): layer.callFollowedByReLU(input)
        }
    }
}
