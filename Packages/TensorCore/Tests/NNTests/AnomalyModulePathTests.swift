import NN
import Testing
import TensorCore

/// In anomaly-detection mode a NaN is located by module path: Sequential scopes its layers by
/// index and type, a composite names its children with `layer(x, named:)`.
@Suite struct AnomalyModulePathTests {
    /// A composite with an encoder and a head, calling them by name as a user module would.
    final class TwoStage: Layer {
        let encoder: Sequential
        let head: Linear
        init(encoder: Sequential, head: Linear) {
            self.encoder = encoder
            self.head = head
        }
        func callAsFunction(_ input: Tensor) -> Tensor { head(encoder(input, named: "encoder"), named: "head") }
        func copy(with clone: ModuleCloner) throws(DeviceError) -> TwoStage {
            TwoStage(encoder: try clone(encoder), head: try clone(head))
        }
    }

    private func model(poisoning layer: (Sequential) -> Linear) -> TwoStage {
        let generator = RandomGenerator(seed: 4)
        let encoder = Sequential(Linear(3, 4, generator: generator), ReLU(), Linear(4, 4, generator: generator), Tanh())
        let model = TwoStage(encoder: encoder, head: Linear(4, 2, generator: generator))
        let poisoned = layer(encoder)
        var weight = poisoned.weight.value.scalars
        weight[0] = .nan
        poisoned.weight.value = Tensor(shape: poisoned.weight.value.shape, scalars: weight)
        return model
    }

    private func anomaly(in model: TwoStage) -> NumericalAnomaly? {
        do {
            _ = try withAnomalyDetection { model(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])).sum() }
            return nil
        } catch {
            return error as? NumericalAnomaly
        }
    }

    /// The poisoned weight is an input that already holds a NaN: the anomaly names it (its shape,
    /// one NaN) inside the layer that uses it.
    @Test func aLayerInsideASequentialIsNamedByItsIndexAndType() throws {
        let found = try #require(anomaly(in: model { $0.layers[2] as! Linear }))
        #expect(found.modulePath == "encoder.2 (Linear)")
        #expect(found.phase == .input)
        #expect(found.shape == [4, 4] && found.nanCount == 1)
    }

    @Test func aFusedLinearAndReLUIsNamedAtTheLinear() throws {
        let found = try #require(anomaly(in: model { $0.layers[0] as! Linear }))
        #expect(found.modulePath == "encoder.0 (Linear)")
        #expect(found.phase == .input)
        #expect(found.shape == [4, 3] && found.nanCount == 1)
    }

    /// A finite layer whose result overflows is blamed itself, with the shapes it was given.
    @Test func anOverflowIsBlamedOnTheLayerThatProducedIt() throws {
        let model = model { $0.layers[2] as! Linear }
        let layer = model.encoder.layers[2] as! Linear
        layer.weight.value = Tensor.full([4, 4], value: 3e38)
        let found = try #require(anomaly(in: model))
        #expect(found.modulePath == "encoder.2 (Linear)")
        #expect(found.phase == .forward)
        #expect(found.inputShapes.contains([2, 4]))
    }

    @Test func scopedLayersComputeWhatUnscopedOnesDo() throws {
        let generator = RandomGenerator(seed: 9)
        let model = TwoStage(
            encoder: Sequential(Linear(3, 4, generator: generator), ReLU(), Linear(4, 4, generator: generator), Tanh()),
            head: Linear(4, 2, generator: generator))
        let x = Tensor(shape: [2, 3], scalars: [1, -2, 3, 0.5, 5, -6])
        let plain = model(x).scalars
        let scoped = try withAnomalyDetection { model(x).scalars }
        #expect(plain.map(\.bitPattern) == scoped.map(\.bitPattern))
    }
}
