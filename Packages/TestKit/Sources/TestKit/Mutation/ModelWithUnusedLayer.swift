import NN
import TensorCore

/// A model with one more parameter that its forward pass never uses: a layer built but skipped.
final class ModelWithUnusedLayer: Module {
    let model: any Module
    let unused: Parameter

    init(model: any Module, unused: Parameter) {
        self.model = model
        self.unused = unused
    }

    var namedChildren: [(name: String, module: any Module)] { model.namedChildren }
    var namedLocalParameters: [(name: String, parameter: Parameter)] {
        model.namedLocalParameters + [("unusedLayer.weight", unused)]
    }
    var namedLocalBuffers: [(name: String, buffer: Buffer)] { model.namedLocalBuffers }
    var trainingFlag: TrainingFlag? { model.trainingFlag }

    func copy(with clone: ModuleCloner) throws(DeviceError) -> ModelWithUnusedLayer {
        ModelWithUnusedLayer(model: try clone(model), unused: try clone(unused))
    }
}
