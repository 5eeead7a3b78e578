import NN
import Optim
import TensorCore

// What each fixture op name runs in DeepTrust: the public op or layer PyTorch's answer is for.
// Everything an op creates itself (arange's values, BatchNorm's statistics) is put on the backend
// under test, so that a case runs there from its inputs to its output.

/// The result of running one case: the output, and for inputs that became a layer's parameters,
/// the parameter whose gradient stands for that input's.
struct OpResult {
    var output: Tensor
    var parameters: [Int: Parameter] = [:]
}

typealias OpFunction = @Sendable (_ inputs: [Tensor], _ args: DifferentialArguments, _ backend: any Backend) -> OpResult

private func unary(_ body: @escaping @Sendable (Tensor, DifferentialArguments) -> Tensor) -> OpFunction {
    { inputs, args, _ in OpResult(output: body(inputs[0], args)) }
}

private func binary(_ body: @escaping @Sendable (Tensor, Tensor) -> Tensor) -> OpFunction {
    { inputs, _, _ in OpResult(output: body(inputs[0], inputs[1])) }
}

/// `tensor` (without history) copied onto `backend`, or itself when it is there already.
func placed(_ tensor: Tensor, on backend: any Backend) -> Tensor {
    tensor.backend === backend ? tensor : Tensor(shape: tensor.shape, scalars: tensor.scalars, backend: backend)
}

private func reduction(_ args: DifferentialArguments) -> Reduction {
    switch args.string("reduction") {
    case "none": return .none
    case "sum": return .sum
    default: return .mean
    }
}

/// The axes argument: a list, or null for every axis.
private func axes(_ args: DifferentialArguments) -> [Int]? { args.ints("axes") }

/// BatchNorm1d or BatchNorm2d by the input's rank: two training steps (on x, then on 2x − 1), an
/// evaluation on x, and the running statistics, flattened into one output as the generator does
/// (with `firstOnly`, the first training step's output alone). The layer is made on the CPU and its
/// statistics are moved to `backend`.
private func batchNorm(_ inputs: [Tensor], _ args: DifferentialArguments, _ backend: any Backend) -> OpResult {
    let x = inputs[0]
    let features = args.int("features")
    let momentum = args.optionalFloat("momentum")
    let affine = args.bool("affine")
    let state: BatchNormState
    let forward: (Tensor) -> Tensor
    let module: any Module
    if x.rank == 4 {
        let layer = BatchNorm2d(features, momentum: momentum, affine: affine)
        (state, forward, module) = (layer.state, { layer($0) }, layer)
    } else {
        let layer = BatchNorm1d(features, momentum: momentum, affine: affine)
        (state, forward, module) = (layer.state, { layer($0) }, layer)
    }
    for buffer in [state.runningMean, state.runningVariance, state.batchesTracked] {
        buffer.value = placed(buffer.value, on: backend)
    }
    var parameters: [Int: Parameter] = [:]
    if affine, let weight = state.weight, let bias = state.bias {
        weight.value = inputs[1]
        bias.value = inputs[2]
        parameters = [1: weight, 2: bias]
    }
    let first = forward(x)
    if args.bool("firstOnly") {
        return OpResult(output: first.reshaped([first.count]), parameters: parameters)
    }
    let second = forward(x * 2 - 1)
    module.eval()
    let evaluation = forward(x)
    let output = Tensor.concatenated([
        first.reshaped([first.count]), second.reshaped([second.count]), evaluation.reshaped([evaluation.count]),
        state.runningMean.value, state.runningVariance.value,
    ])
    return OpResult(output: output, parameters: parameters)
}

/// `layer(input)`, or with `relu` `Sequential(layer, ReLU())(input)`, where Sequential fuses the
/// bias addition and the ReLU into one pass.
private func apply(_ layer: any Layer, relu: Bool, to input: Tensor) -> Tensor {
    relu ? Sequential(layer, ReLU())(input) : layer(input)
}

/// A layer's weight and bias as the case's inputs 1 and 2.
private func parameters(of layer: any Module) -> [Int: Parameter] {
    var result: [Int: Parameter] = [:]
    for (name, parameter) in layer.namedParameters() {
        result[name == "weight" ? 1 : 2] = parameter
    }
    return result
}

/// The pieces of a split concatenated again along the split axis, the i-th scaled by i + 1 (so
/// that the gradient tells the pieces apart).
private func scaledConcatenation(_ pieces: [Tensor], _ a: DifferentialArguments) -> Tensor {
    Tensor.concatenated(pieces.enumerated().map { $1 * Float($0 + 1) }, axis: a.int("axis"))
}

let opTable: [String: OpFunction] = [
    "neg": unary { x, _ in -x },
    "exp": unary { x, _ in x.exp() },
    "log": unary { x, _ in x.log() },
    "sqrt": unary { x, _ in x.sqrt() },
    "abs": unary { x, _ in x.abs() },
    "relu": unary { x, _ in x.relu() },
    "tanh": unary { x, _ in x.tanh() },
    "sigmoid": unary { x, _ in x.sigmoid() },
    "softplus": unary { x, _ in x.softplus() },
    "sign": unary { x, _ in x.sign() },
    "powScalar": unary { x, a in x.pow(a.float("exponent")) },
    "clamp": unary { x, a in x.clamped(min: a.float("low"), max: a.float("high")) },
    "addScalar": unary { x, a in x + a.float("scalar") },
    "mulScalar": unary { x, a in x * a.float("scalar") },
    "subScalar": unary { x, a in x - a.float("scalar") },
    "scalarSub": unary { x, a in a.float("scalar") - x },
    "divScalar": unary { x, a in x / a.float("scalar") },
    "scalarDiv": unary { x, a in a.float("scalar") / x },
    "add": binary(+),
    "sub": binary(-),
    "mul": binary(*),
    "div": binary(/),
    "pow": binary { $0.pow($1) },
    "maximum": binary(Tensor.maximum),
    "minimum": binary(Tensor.minimum),
    "equal": binary(.==),
    "notEqual": binary(.!=),
    "less": binary(.<),
    "lessEqual": binary(.<=),
    "greater": binary(.>),
    "greaterEqual": binary(.>=),
    "equalScalar": unary { x, a in x .== a.float("scalar") },
    "notEqualScalar": unary { x, a in x .!= a.float("scalar") },
    "lessScalar": unary { x, a in x .< a.float("scalar") },
    "lessEqualScalar": unary { x, a in x .<= a.float("scalar") },
    "greaterScalar": unary { x, a in x .> a.float("scalar") },
    "greaterEqualScalar": unary { x, a in x .>= a.float("scalar") },
    "scalarequal": unary { x, a in a.float("scalar") .== x },
    "scalarnotEqual": unary { x, a in a.float("scalar") .!= x },
    "scalarless": unary { x, a in a.float("scalar") .< x },
    "scalarlessEqual": unary { x, a in a.float("scalar") .<= x },
    "scalargreater": unary { x, a in a.float("scalar") .> x },
    "scalargreaterEqual": unary { x, a in a.float("scalar") .>= x },
    "arange": { _, a, backend in
        OpResult(output: placed(Tensor.arange(a.float("start"), a.float("end"), step: a.float("step")), on: backend))
    },
    "sumToShape": unary { x, a in x.sum(toShape: a.ints("shape") ?? []) },
    "where": { inputs, _, _ in OpResult(output: Tensor.where(inputs[0], inputs[1], inputs[2])) },
    "whereScalarB": { inputs, a, _ in OpResult(output: Tensor.where(inputs[0], inputs[1], a.float("scalar"))) },
    "whereScalarA": { inputs, a, _ in OpResult(output: Tensor.where(inputs[0], a.float("scalar"), inputs[1])) },
    "sum": unary { x, a in x.sum(axes: axes(a), keepingDimensions: a.bool("keep")) },
    "mean": unary { x, a in x.mean(axes: axes(a), keepingDimensions: a.bool("keep")) },
    "variance": unary { x, a in
        x.variance(axes: axes(a), unbiased: a.bool("unbiased"), keepingDimensions: a.bool("keep"))
    },
    "max": unary { x, a in x.max(axes: axes(a), keepingDimensions: a.bool("keep")) },
    "min": unary { x, a in x.min(axes: axes(a), keepingDimensions: a.bool("keep")) },
    "argmax": unary { x, a in x.argmax(axis: a.int("axis"), keepingDimensions: a.bool("keep")) },
    "argmin": unary { x, a in x.argmin(axis: a.int("axis"), keepingDimensions: a.bool("keep")) },
    "softmax": unary { x, a in x.softmax(axis: a.int("axis")) },
    "logSoftmax": unary { x, a in x.logSoftmax(axis: a.int("axis")) },
    "matmul": binary { $0.matmul($1) },
    "matmulAdding": { inputs, _, _ in OpResult(output: inputs[0].matmul(inputs[1], adding: inputs[2])) },
    "conv2d": { inputs, a, _ in
        OpResult(
            output: inputs[0].conv2d(
                weight: inputs[1], bias: a.bool("bias") ? inputs[2] : nil, stride: a.pair("stride"),
                padding: a.pair("padding"), dilation: a.pair("dilation")))
    },
    "convTranspose2d": { inputs, a, _ in
        OpResult(
            output: inputs[0].convTranspose2d(
                weight: inputs[1], bias: a.bool("bias") ? inputs[2] : nil, stride: a.pair("stride"),
                padding: a.pair("padding"), outputPadding: a.pair("outputPadding"), dilation: a.pair("dilation")))
    },
    "concatenated": { inputs, a, _ in OpResult(output: Tensor.concatenated(inputs, axis: a.int("axis"))) },
    "padded": unary { x, a in
        let pads = (a.values["pads"]?.array ?? []).compactMap(\.ints).map { (before: $0[0], after: $0[1]) }
        return x.padded(pads, value: a.float("value"))
    },
    "reshaped": unary { x, a in x.reshaped(a.ints("shape") ?? []) },
    "sliced": unary { x, _ in x },
    "flattened": unary { x, a in x.flattened(startAxis: a.int("start"), endAxis: a.int("end")) },
    "linear": { inputs, a, _ in
        let layer = Linear(weight: inputs[1], bias: a.bool("bias") ? inputs[2] : nil)
        return OpResult(output: apply(layer, relu: a.bool("relu"), to: inputs[0]), parameters: parameters(of: layer))
    },
    "conv2dLayer": { inputs, a, _ in
        let layer = Conv2d(
            weight: inputs[1], bias: a.bool("bias") ? inputs[2] : nil, stride: a.pair("stride"),
            padding: a.pair("padding"), dilation: a.pair("dilation"))
        return OpResult(output: apply(layer, relu: a.bool("relu"), to: inputs[0]), parameters: parameters(of: layer))
    },
    "convTranspose2dLayer": { inputs, a, _ in
        let layer = ConvTranspose2d(
            weight: inputs[1], bias: a.bool("bias") ? inputs[2] : nil, stride: a.pair("stride"),
            padding: a.pair("padding"), outputPadding: a.pair("outputPadding"), dilation: a.pair("dilation"))
        return OpResult(output: apply(layer, relu: a.bool("relu"), to: inputs[0]), parameters: parameters(of: layer))
    },
    "dropout": unary { x, a in
        let layer = Dropout(probability: a.float("p"))
        if !a.bool("training") { layer.eval() }
        return layer(x)
    },
    "flattenLayer": unary { x, a in Flatten(startDimension: a.int("start"), endDimension: a.int("end"))(x) },
    "unflattenLayer": unary { x, a in Unflatten(dimension: a.int("dimension"), sizes: a.ints("sizes") ?? [])(x) },
    "narrowed": unary { x, a in x.narrowed(axis: a.int("axis"), start: a.int("start"), length: a.int("length")) },
    "selected": unary { x, a in x.selected(axis: a.int("axis"), index: a.int("index")) },
    "split": unary { x, a in scaledConcatenation(x.split(sizes: a.ints("sizes") ?? [], axis: a.int("axis")), a) },
    "chunked": unary { x, a in scaledConcatenation(x.chunked(a.int("count"), axis: a.int("axis")), a) },
    "unsqueezed": unary { x, a in x.unsqueezed(axis: a.int("axis")) },
    "squeezed": unary { x, a in x.squeezed(axis: a.int("axis")) },
    "transposed": unary { x, a in x.transposed(a.int("a"), a.int("b")) },
    "permuted": unary { x, a in x.permuted(a.ints("order") ?? []) },
    "expanded": unary { x, a in x.expanded(to: a.ints("shape") ?? []) },
    "mse": { inputs, a, _ in OpResult(output: mseLoss(inputs[0], inputs[1], reduction: reduction(a))) },
    "bce": { inputs, a, _ in OpResult(output: binaryCrossEntropy(inputs[0], inputs[1], reduction: reduction(a))) },
    "bceWithLogits": { inputs, a, _ in
        OpResult(output: binaryCrossEntropyWithLogits(inputs[0], inputs[1], reduction: reduction(a)))
    },
    "sigmoidBCE": { inputs, a, _ in
        OpResult(output: binaryCrossEntropy(inputs[0].sigmoid(), inputs[1], reduction: reduction(a)))
    },
    "batchNorm": batchNorm,
]

/// A new optimizer of the case's kind and settings over `parameter`.
func makeOptimizer(_ kind: String, _ a: DifferentialArguments, _ parameter: Parameter) throws -> any Optimizer {
    let list = [(name: "p", parameter: parameter)]
    switch kind {
    case "sgd":
        return try SGD(
            list, learningRate: a.float("lr"), momentum: a.optionalFloat("momentum") ?? 0,
            dampening: a.optionalFloat("dampening") ?? 0, weightDecay: a.optionalFloat("weight_decay") ?? 0,
            nesterov: a.bool("nesterov"))
    default:
        let betas = a.values["betas"]?.array?.compactMap(\.double) ?? [0.9, 0.999]
        return try Adam(
            list, learningRate: a.float("lr"), beta1: Float(betas[0]), beta2: Float(betas[1]),
            epsilon: a.optionalFloat("eps") ?? 1e-8,
            weightDecay: a.optionalFloat("weight_decay") ?? (kind == "adamw" ? 0.01 : 0),
            decoupledWeightDecay: kind == "adamw")
    }
}
