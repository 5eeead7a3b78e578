// `bench gemm`: SGEMM GFLOP/s on the issue's shapes (512³, 2048³, 128×1024×1024 and every MLP-VAE
// layer product at batch 128: forward, input gradient, weight gradient), next to torch.mm.
import DeepTrustSystem
import TensorCore

enum GemmBench: BenchSubcommand {
    static let name = "gemm"
    static let extraFlags: [CommandLineFlag] = []
    static let summary = "SGEMM GFLOP/s on the issue's and the MLP-VAE's shapes, Swift vs torch.mm"

    struct Shape {
        var label: String
        var m: Int, n: Int, k: Int
        var transposeA = false, transposeB = false

        var spec: JSONValue {
            .object([
                "m": .number(Double(m)), "n": .number(Double(n)), "k": .number(Double(k)),
                "transposeA": .bool(transposeA), "transposeB": .bool(transposeB),
            ])
        }
        var text: String { "\(m)×\(n)×\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N")" }
    }

    /// The MLP-VAE's Linear layers (in, out) at d = 16, encoder then decoder.
    static let mlpLayers = [(1024, 512), (512, 256), (256, 128), (128, 32), (16, 128), (128, 256), (256, 512), (512, 1024)]
    static let batch = 128

    static var shapes: [Shape] {
        var shapes = [
            Shape(label: "square", m: 512, n: 512, k: 512),
            Shape(label: "square", m: 2048, n: 2048, k: 2048),
            Shape(label: "wide", m: 128, n: 1024, k: 1024),
        ]
        for (input, output) in mlpLayers {
            let layer = "Linear \(input)→\(output)"
            // Y = X·Wᵀ with W stored [out, in]; dX = dY·W; dW = dYᵀ·X.
            shapes.append(Shape(label: "\(layer) forward", m: batch, n: output, k: input, transposeB: true))
            shapes.append(Shape(label: "\(layer) dX", m: batch, n: input, k: output))
            shapes.append(Shape(label: "\(layer) dW", m: output, n: input, k: batch, transposeA: true))
        }
        return shapes
    }

    static func swiftGflops(_ shape: Shape, repeats: Int, clock: TimingClock) -> Double {
        let aCount = shape.m * shape.k, bCount = shape.k * shape.n
        let a = benchBuffer(benchValues(aCount, seed: 1)), b = benchBuffer(benchValues(bCount, seed: 2))
        let c = CPUBackend.shared.allocate(count: shape.m * shape.n)
        let descriptor = GemmDescriptor(
            m: shape.m, n: shape.n, k: shape.k,
            transposeA: shape.transposeA, transposeB: shape.transposeB)
        let seconds = medianSeconds(repeats: repeats, clock: clock) { CPUBackend.shared.gemm(descriptor, a: a, b: b, c: c) }
        return 2 * Double(shape.m) * Double(shape.n) * Double(shape.k) / seconds / 1e9
    }

    static func run(_ options: BenchOptions) throws {
        let machine = machineDescription()
        let shapes = shapes
        var table = Table(
            title:
                "SGEMM, GFLOP/s (median of \(options.repeats), \(options.clock) clock; PyTorch: torch.mm, CPU float32, same thread count)",
            columns: ["threads", "shape", "product", "Swift", "PyTorch", "× PyTorch"])
        var rows: [JSONValue] = []
        var torchColumn = TorchColumn()
        forEachThreadCount(options) { threads in
            let swift = shapes.map { swiftGflops($0, repeats: options.repeats, clock: options.clock) }
            let spec = JSONValue.object(["gemm": .array(shapes.map(\.spec))])
            var torch = [Double?](repeating: nil, count: shapes.count)
            if let figures = torchColumn.figures(script: "torch_gemm_conv.py", threads: threads, spec: spec, options: options) {
                let values = figures["gemm"]?.array ?? []
                for index in shapes.indices where index < values.count { torch[index] = values[index]["gflops"]?.number }
            }
            for (index, shape) in shapes.enumerated() {
                let ratio = torch[index].map { swift[index] / $0 }
                table.rows.append([
                    String(threads), shape.label, shape.text, formatted(swift[index]),
                    formatted(torch[index]), formatted(ratio, digits: 2),
                ])
                rows.append(
                    .object([
                        "threads": .number(Double(threads)), "label": .string(shape.label),
                        "shape": shape.spec, "swiftGflops": .number(swift[index]),
                        "torchGflops": .optional(torch[index]), "ratio": .optional(ratio),
                    ]))
            }
        }
        let report = JSONValue.object([
            "benchmark": .string("gemm"), "machine": machine, "torch": torchColumn.version,
            "clock": .string(options.clock.rawValue),
            "repeats": .number(Double(options.repeats)), "rows": .array(rows),
        ])
        print(machineLine(machine))
        try finish(report: report, tables: [table], notes: torchColumn.notes, options: options)
    }
}
