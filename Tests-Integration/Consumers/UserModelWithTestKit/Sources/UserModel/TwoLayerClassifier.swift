import NN
import TensorCore

/// A user's own model: features → hidden (ReLU) → class logits, written the way NN's `Module`
/// documentation shows (stored child layers, one forward method, one `copy(with:)`).
///
/// Shapes: input `[batch, inputs]`, output `[batch, classes]` (unnormalised logits).
/// Parameters, named by reflection after the properties: `hidden.weight`, `hidden.bias`,
/// `output.weight`, `output.bias`.
public final class TwoLayerClassifier: Layer {
    /// The first fully connected layer, `inputs → hiddenUnits`.
    public let hidden: Linear
    /// The second fully connected layer, `hiddenUnits → classes`.
    public let output: Linear

    /// A freshly initialised classifier on the CPU (PyTorch's default initialisation from `generator`).
    public init(inputs: Int, hiddenUnits: Int = 16, classes: Int, generator: RandomGenerator = .default) {
        hidden = Linear(inputs, hiddenUnits, generator: generator)
        output = Linear(hiddenUnits, classes, generator: generator)
    }

    /// A classifier from existing layers (what ``copy(with:)`` uses).
    public init(hidden: Linear, output: Linear) {
        self.hidden = hidden
        self.output = output
    }

    /// The logits `[batch, classes]` of `input` `[batch, inputs]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        output(hidden(input).relu())
    }

    /// A deep copy built from copies of both layers (moved to the cloner's device).
    /// - Throws: `DeviceError` when the cloner's device is unavailable.
    public func copy(with clone: ModuleCloner) throws(DeviceError) -> TwoLayerClassifier {
        TwoLayerClassifier(hidden: try clone(hidden), output: try clone(output))
    }
}
