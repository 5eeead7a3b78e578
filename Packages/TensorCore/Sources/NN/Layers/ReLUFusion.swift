import TensorCore

/// A layer whose output ends with a bias addition, which can apply a following ``ReLU`` in the same
/// pass over memory (see ``TensorCore/Tensor/reluAfterAdding(_:)``). ``Sequential`` uses it for a
/// layer directly followed by a ReLU; values and gradients are those of the two layers in turn.
protocol ReLUFusingLayer: Layer {
    /// `relu(self(input))`, with the ReLU fused into the layer's last pass. With
    /// `gradientMaskedByConsumer`, the next layer applies the ReLU's gradient (it is a
    /// ``ReLUGradientApplyingLayer`` called with `applyingReLUGradient`) and the ReLU passes its
    /// gradient on unchanged. `applyingReLUGradient` as in ``ReLUGradientApplyingLayer``.
    func callFollowedByReLU(_ input: Tensor, gradientMaskedByConsumer: Bool, applyingReLUGradient: Bool) -> Tensor
}

/// A layer that can apply the gradient of the ReLU that produced its input, in the pass that
/// computes its input gradient (zero where the input is 0), so that the ReLU need not make a pass
/// of its own (the convolutions).
protocol ReLUGradientApplyingLayer: Layer {
    /// `self(input)`; with `applyingReLUGradient`, the gradient passed to `input` is 0 wherever
    /// `input` is 0.
    func call(_ input: Tensor, applyingReLUGradient: Bool) -> Tensor
}

/// A convolution layer (``Conv2d``, ``ConvTranspose2d``): the ReLU after it and the one before it
/// both fold into its own passes, through one call that takes all three choices.
protocol ConvolutionLayer: ReLUFusingLayer, ReLUGradientApplyingLayer {
    /// `self(input)`, `relu(self(input))` with `thenReLU` (bias and ReLU in the convolution's own
    /// pass); `gradientMaskedByConsumer` and `applyingReLUGradient` as in ``ReLUFusingLayer`` and
    /// ``ReLUGradientApplyingLayer``.
    func convolve(_ input: Tensor, thenReLU: Bool, gradientMaskedByConsumer: Bool, applyingReLUGradient: Bool) -> Tensor
}

extension ConvolutionLayer {
    func call(_ input: Tensor, applyingReLUGradient: Bool) -> Tensor {
        convolve(input, thenReLU: false, gradientMaskedByConsumer: false, applyingReLUGradient: applyingReLUGradient)
    }

    func callFollowedByReLU(_ input: Tensor, gradientMaskedByConsumer: Bool, applyingReLUGradient: Bool) -> Tensor {
        convolve(
            input, thenReLU: true, gradientMaskedByConsumer: gradientMaskedByConsumer,
            applyingReLUGradient: applyingReLUGradient)
    }
}

/// One step of a ``Sequential``'s forward pass: a layer, possibly with the ReLU after it fused in,
/// possibly applying the gradient of the ReLU fused into the step before.
struct SequentialStep: Sendable {
    /// The layer (the first of the layers the step stands for).
    let layer: any Layer
    /// Whether the ReLU that follows `layer` is fused into it (`layer` is a ``ReLUFusingLayer``).
    let fusesReLU: Bool
    /// Whether the next step applies the gradient of this step's fused ReLU.
    let reluGradientAppliedByNext: Bool
    /// Whether this step applies the gradient of the previous step's fused ReLU (`layer` is a
    /// ``ReLUGradientApplyingLayer``).
    let appliesReLUGradient: Bool

    /// How many of the ``Sequential``'s layers the step stands for.
    var width: Int { fusesReLU ? 2 : 1 }

    /// `layers` as steps: each ReLU-fusing layer directly followed by a ``ReLU`` absorbs it, and when
    /// the next step's layer can apply that ReLU's gradient, it does (the fused ReLU's output is
    /// consumed by that layer alone).
    static func plan(_ layers: [any Layer]) -> [SequentialStep] {
        var fused: [(layer: any Layer, fusesReLU: Bool)] = []
        var index = 0
        while index < layers.count {
            let fuses = index + 1 < layers.count && layers[index + 1] is ReLU && layers[index] is any ReLUFusingLayer
            fused.append((layers[index], fuses))
            index += fuses ? 2 : 1
        }
        return fused.indices.map { i in
            let handsOver = { (j: Int) in
                j + 1 < fused.count && fused[j].fusesReLU && fused[j + 1].layer is any ReLUGradientApplyingLayer
            }
            return SequentialStep(
                layer: fused[i].layer, fusesReLU: fused[i].fusesReLU, reluGradientAppliedByNext: handsOver(i),
                appliesReLUGradient: i > 0 && handsOver(i - 1))
        }
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        if fusesReLU, let layer = layer as? any ReLUFusingLayer {
            return layer.callFollowedByReLU(
                input, gradientMaskedByConsumer: reluGradientAppliedByNext, applyingReLUGradient: appliesReLUGradient)
        }
        if appliesReLUGradient, let layer = layer as? any ReLUGradientApplyingLayer {
            return layer.call(input, applyingReLUGradient: true)
        }
        return layer(input)
    }
}
