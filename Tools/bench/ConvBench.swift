// `bench conv`: forward + backward time of each CNN-VAE convolution at batch 128, next to
// PyTorch's conv2d / conv_transpose2d with autograd (gradients for input and weight).
import DeepTrustSystem
import TensorCore

enum ConvBench: BenchSubcommand {
    static let name = "conv"
    static let summary = "conv forward+backward ms per CNN-VAE layer (batch 128), Swift vs PyTorch [--layers 1,2]"

    struct Layer {
        var label: String
        var inChannels: Int, outChannels: Int, height: Int, width: Int
        var kernel: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0
        var transposed = false

        /// The convolution whose input gradient is this layer's forward pass (for a transposed
        /// convolution), or the layer itself.
        func geometry(batch: Int) -> ConvGeometry {
            if transposed {
                let outHeight = (height - 1) * stride - 2 * padding + kernel + outputPadding
                let outWidth = (width - 1) * stride - 2 * padding + kernel + outputPadding
                return ConvGeometry(
                    batch: batch, inChannels: outChannels, height: outHeight, width: outWidth,
                    outChannels: inChannels, kernelH: kernel, kernelW: kernel,
                    strideH: stride, strideW: stride, padH: padding, padW: padding)
            }
            return ConvGeometry(
                batch: batch, inChannels: inChannels, height: height, width: width,
                outChannels: outChannels, kernelH: kernel, kernelW: kernel,
                strideH: stride, strideW: stride, padH: padding, padW: padding)
        }

        func spec(batch: Int) -> JSONValue {
            .object([
                "name": .string(label), "batch": .number(Double(batch)),
                "inChannels": .number(Double(inChannels)), "outChannels": .number(Double(outChannels)),
                "height": .number(Double(height)), "width": .number(Double(width)),
                "kernel": .number(Double(kernel)), "stride": .number(Double(stride)),
                "padding": .number(Double(padding)), "outputPadding": .number(Double(outputPadding)),
                "transposed": .bool(transposed),
            ])
        }
    }

    static let batch = 128
    /// The CNN-VAE's convolutions, encoder then decoder (github.com/tilman151/unittest_dl).
    static let layers = [
        Layer(label: "enc Conv 1→16 k5 p2 @32²", inChannels: 1, outChannels: 16, height: 32, width: 32, kernel: 5, padding: 2),
        Layer(
            label: "enc Conv 16→32 k3 s2 p1 @32²", inChannels: 16, outChannels: 32, height: 32, width: 32,
            kernel: 3, stride: 2, padding: 1),
        Layer(
            label: "enc Conv 32→64 k3 s2 p1 @16²", inChannels: 32, outChannels: 64, height: 16, width: 16,
            kernel: 3, stride: 2, padding: 1),
        Layer(
            label: "dec ConvT 64→32 k3 s2 p1 op1 @8²", inChannels: 64, outChannels: 32, height: 8, width: 8,
            kernel: 3, stride: 2, padding: 1, outputPadding: 1, transposed: true),
        Layer(
            label: "dec ConvT 32→16 k3 s2 p1 op1 @16²", inChannels: 32, outChannels: 16, height: 16, width: 16,
            kernel: 3, stride: 2, padding: 1, outputPadding: 1, transposed: true),
        Layer(label: "dec Conv 16→1 k5 p2 @32²", inChannels: 16, outChannels: 1, height: 32, width: 32, kernel: 5, padding: 2),
    ]

    /// Median milliseconds of the forward pass, the input gradient and the weight gradient.
    static func swiftTimes(_ layer: Layer, repeats: Int, clock: TimingClock)
        -> (forward: Double, backwardInput: Double, backwardWeight: Double)
    {
        let backend = CPUBackend.shared
        let g = layer.geometry(batch: batch)
        let big = g.batch * g.inChannels * g.height * g.width  // the convolution's input side
        let small = g.batch * g.outChannels * g.outHeight * g.outWidth  // its output side
        let weight = benchBuffer(benchValues(g.outChannels * g.inChannels * g.kernelH * g.kernelW, seed: 3))
        let gradWeight = backend.allocate(count: g.outChannels * g.inChannels * g.kernelH * g.kernelW)
        let bigIn = benchBuffer(benchValues(big, seed: 4)), bigOut = backend.allocate(count: big)
        let smallIn = benchBuffer(benchValues(small, seed: 5)), smallOut = backend.allocate(count: small)
        let forward: () -> Void, backwardInput: () -> Void
        // A transposed layer: y = conv2dBackwardInput(x); dx = conv2dForward(dy); dW = conv2dBackwardWeight(dy, x).
        let backwardWeight = { backend.conv2dBackwardWeight(g, input: bigIn, gradOutput: smallIn, into: gradWeight) }
        if layer.transposed {
            forward = { backend.conv2dBackwardInput(g, gradOutput: smallIn, weight: weight, into: bigOut) }
            backwardInput = { backend.conv2dForward(g, input: bigIn, weight: weight, into: smallOut) }
        } else {
            forward = { backend.conv2dForward(g, input: bigIn, weight: weight, into: smallOut) }
            backwardInput = { backend.conv2dBackwardInput(g, gradOutput: smallIn, weight: weight, into: bigOut) }
        }
        return (
            medianSeconds(repeats: repeats, clock: clock, forward) * 1e3,
            medianSeconds(repeats: repeats, clock: clock, backwardInput) * 1e3,
            medianSeconds(repeats: repeats, clock: clock, backwardWeight) * 1e3
        )
    }

    /// `--layers 1,2` (1-based, default all): measure only these layers (for profiling one layer).
    static let extraFlags = [
        CommandLineFlag(
            "--layers", value: .list(.integer(1...layers.count)), placeholder: "LIST",
            expected: "layer numbers 1...\(layers.count) separated by commas", help: "the layers to measure (default all)")
    ]

    static func run(_ options: BenchOptions) throws {
        // The parser has checked every number against 1...layers.count (extraFlags).
        let chosen =
            options.extra["--layers"].map { $0.split(separator: ",").compactMap { Int($0) } } ?? Array(1...Self.layers.count)
        let layers = chosen.map { Self.layers[$0 - 1] }
        let machine = machineDescription()
        var table = Table(
            title: "Convolution forward + backward (input and weight gradients), ms, batch \(batch) "
                + "(median of \(options.repeats), \(options.clock) clock; PyTorch: autograd, CPU float32, same thread count)",
            columns: [
                "threads", "layer", "Swift fwd", "Swift dX", "Swift dW", "Swift total",
                "PyTorch fwd", "PyTorch bwd", "PyTorch total", "× PyTorch", "GFLOP/s", "GEMM GFLOP/s", "of GEMM",
            ])
        var rows: [JSONValue] = []
        var torchColumn = TorchColumn()
        forEachThreadCount(options) { threads in
            let (swift, gemmGflops) = FlopCount.measureAround(repeats: options.repeats, clock: options.clock) {
                layers.map { swiftTimes($0, repeats: options.repeats, clock: options.clock) }
            }
            let spec = JSONValue.object(["conv": .array(layers.map { $0.spec(batch: batch) })])
            var torch = [(forward: Double, backward: Double, total: Double)?](repeating: nil, count: layers.count)
            if let figures = torchColumn.figures(script: "torch_gemm_conv.py", threads: threads, spec: spec, options: options) {
                let values = figures["conv"]?.array ?? []
                for index in layers.indices where index < values.count {
                    if let f = values[index]["forwardMs"]?.number, let b = values[index]["backwardMs"]?.number,
                        let t = values[index]["totalMs"]?.number
                    {
                        torch[index] = (f, b, t)
                    }
                }
            }
            for (index, layer) in layers.enumerated() {
                let (forward, backwardInput, backwardWeight) = swift[index]
                let backward = backwardInput + backwardWeight
                let total = forward + backward
                let ratio = torch[index].map { $0.total / total }
                // Forward, input gradient and weight gradient: 2 FLOP per multiply-add each.
                let gflops = 6 * Double(batch * FlopCount.macs(layer.geometry(batch: 1))) / (total * 1e-3) / 1e9
                table.rows.append([
                    String(threads), layer.label, formatted(forward, digits: 2), formatted(backwardInput, digits: 2),
                    formatted(backwardWeight, digits: 2), formatted(total, digits: 2),
                    formatted(torch[index]?.forward, digits: 2), formatted(torch[index]?.backward, digits: 2),
                    formatted(torch[index]?.total, digits: 2), formatted(ratio, digits: 2),
                    formatted(gflops), formatted(gemmGflops), formatted(gflops / gemmGflops, digits: 2),
                ])
                rows.append(
                    .object([
                        "threads": .number(Double(threads)), "layer": layer.spec(batch: batch),
                        "swiftForwardMs": .number(forward), "swiftBackwardMs": .number(backward), "swiftTotalMs": .number(total),
                        "swiftBackwardInputMs": .number(backwardInput), "swiftBackwardWeightMs": .number(backwardWeight),
                        "swiftGflops": .number(gflops), "gemmGflops": .number(gemmGflops),
                        "fractionOfGemm": .number(gflops / gemmGflops),
                        "torchForwardMs": .optional(torch[index]?.forward), "torchBackwardMs": .optional(torch[index]?.backward),
                        "torchTotalMs": .optional(torch[index]?.total), "ratio": .optional(ratio),
                    ]))
            }
        }
        let report = JSONValue.object([
            "benchmark": .string("conv"), "machine": machine, "torch": torchColumn.version,
            "clock": .string(options.clock.rawValue),
            "repeats": .number(Double(options.repeats)), "rows": .array(rows),
        ])
        print(machineLine(machine))
        print("× PyTorch = PyTorch total / Swift total (above 1: Swift is faster)")
        print(
            "GFLOP/s = 6 × multiply-adds / Swift total (forward, dX, dW; see FlopCount.swift); "
                + "of GEMM = that ÷ a 512³ SGEMM's GFLOP/s in the same run (better of the medians before and after)")
        try finish(report: report, tables: [table], notes: torchColumn.notes, options: options)
    }
}
