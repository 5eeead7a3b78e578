import TensorCore

/// `max(x, 0)` elementwise (PyTorch's `nn.ReLU`); any shape.
public final class ReLU: Layer {
    public let trainingFlag: TrainingFlag?
    /// A stateless layer (no parameters).
    public init() { trainingFlag = TrainingFlag() }
    private init(trainingFlag: TrainingFlag?) { self.trainingFlag = trainingFlag }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }
    public func copy(with clone: ModuleCloner) throws(DeviceError) -> ReLU { ReLU(trainingFlag: trainingFlag.map { clone($0) }) }
}

/// `tanh(x)` elementwise (PyTorch's `nn.Tanh`); any shape.
public final class Tanh: Layer {
    public let trainingFlag: TrainingFlag?
    /// A stateless layer (no parameters).
    public init() { trainingFlag = TrainingFlag() }
    private init(trainingFlag: TrainingFlag?) { self.trainingFlag = trainingFlag }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.tanh() }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }
    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Tanh { Tanh(trainingFlag: trainingFlag.map { clone($0) }) }
}

/// `1 / (1 + e^−x)` elementwise (PyTorch's `nn.Sigmoid`); any shape.
public final class Sigmoid: Layer {
    public let trainingFlag: TrainingFlag?
    /// A stateless layer (no parameters).
    public init() { trainingFlag = TrainingFlag() }
    private init(trainingFlag: TrainingFlag?) { self.trainingFlag = trainingFlag }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.sigmoid() }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }
    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Sigmoid {
        Sigmoid(trainingFlag: trainingFlag.map { clone($0) })
    }
}
