import TensorCore

/// Flattens dimensions `startDimension...endDimension` into one (PyTorch's `nn.Flatten`; by default
/// every dimension but the batch): `[N, C, H, W]` → `[N, C·H·W]`. Negative dimensions count from the end.
public final class Flatten: Layer {
    /// First dimension flattened (negative: counted from the end).
    public let startDimension: Int
    /// Last dimension flattened, inclusive (negative: counted from the end).
    public let endDimension: Int
    public let trainingFlag: TrainingFlag?

    /// A layer flattening `startDimension...endDimension` (default: everything but the batch dimension).
    public convenience init(startDimension: Int = 1, endDimension: Int = -1) {
        self.init(startDimension: startDimension, endDimension: endDimension, trainingFlag: TrainingFlag())
    }

    private init(startDimension: Int, endDimension: Int, trainingFlag: TrainingFlag?) {
        self.startDimension = startDimension
        self.endDimension = endDimension
        self.trainingFlag = trainingFlag
    }

    /// The input with the flattened dimensions merged; reports a ``TensorError`` when the
    /// dimensions are out of range for the input's shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let rank = max(input.rank, 1)
        let start = startDimension < 0 ? startDimension + rank : startDimension
        let end = endDimension < 0 ? endDimension + rank : endDimension
        guard (0..<rank).contains(start), (0..<rank).contains(end), start <= end else {
            // Both dimensions in range but in the wrong order is a bad argument, not a bad axis.
            let inRange = (0..<rank).contains(start) && (0..<rank).contains(end)
            let kind: TensorError.Kind = inRange ? .invalidArgument : .axisOutOfRange
            reportTensorFailure(
                TensorError(
                    kind, op: "Flatten",
                    "dimensions \(startDimension)...\(endDimension) "
                        + "are not a valid range for input shape \(input.shape)"))
            return input
        }
        if input.rank == 0 { return input.reshaped([1]) }
        let shape = input.shape
        let merged = shape[start...end].reduce(1, *)
        return input.reshaped(Array(shape[..<start]) + [merged] + Array(shape[(end + 1)...]))
    }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Flatten {
        Flatten(startDimension: startDimension, endDimension: endDimension, trainingFlag: trainingFlag.map { clone($0) })
    }
}

/// Splits dimension `dimension` into `sizes` (PyTorch's `nn.Unflatten`):
/// `Unflatten(dimension: 1, sizes: [64, 8, 8])` maps `[N, 4096]` to `[N, 64, 8, 8]`.
/// One size may be `-1` (inferred); a negative `dimension` counts from the end.
public final class Unflatten: Layer {
    /// The dimension split (negative: counted from the end).
    public let dimension: Int
    /// The sizes it is split into; their product equals its extent (one may be `-1`).
    public let sizes: [Int]
    public let trainingFlag: TrainingFlag?

    /// A layer splitting `dimension` into `sizes`.
    public convenience init(dimension: Int, sizes: [Int]) {
        self.init(dimension: dimension, sizes: sizes, trainingFlag: TrainingFlag())
    }

    private init(dimension: Int, sizes: [Int], trainingFlag: TrainingFlag?) {
        self.dimension = dimension
        self.sizes = sizes
        self.trainingFlag = trainingFlag
    }

    /// The input with `dimension` split; reports a ``TensorError`` when the dimension is out of
    /// range or its extent is not the product of `sizes`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let d = dimension < 0 ? dimension + input.rank : dimension
        guard (0..<input.rank).contains(d) else {
            reportTensorFailure(
                TensorError(
                    .axisOutOfRange, op: "Unflatten", "dimension \(dimension) is out of range for input shape \(input.shape)"))
            return input
        }
        let shape = input.shape
        return input.reshaped(Array(shape[..<d]) + sizes + Array(shape[(d + 1)...]))
    }

    public var namedChildren: [(name: String, module: any Module)] { [] }
    public var namedLocalParameters: [(name: String, parameter: Parameter)] { [] }
    public var namedLocalBuffers: [(name: String, buffer: Buffer)] { [] }

    public func copy(with clone: ModuleCloner) throws(DeviceError) -> Unflatten {
        Unflatten(dimension: dimension, sizes: sizes, trainingFlag: trainingFlag.map { clone($0) })
    }
}
