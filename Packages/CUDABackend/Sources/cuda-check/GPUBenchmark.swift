import CUDABackend
import TensorCore

/// Timings of GEMM and convolution on one backend (the GPU), synchronised around each measurement.
struct GPUBenchmark {
    struct Row {
        var name: String
        var milliseconds: Double
        var gflops: Double
    }

    let backend: any Backend

    /// Median wall time of `repeats` runs of `body` (after one warm-up), in milliseconds.
    func time(repeats: Int = 20, _ body: () -> Void) -> Double {
        body()
        backend.synchronize()
        var samples: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            body()
            backend.synchronize()
            let elapsed = ContinuousClock.now - start
            samples.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15)
        }
        return samples.sorted()[samples.count / 2]
    }

    func buffer(_ count: Int, value: Float = 0.5) -> any DeviceBuffer {
        let buffer = backend.allocate(count: count)
        backend.fill(buffer, offset: 0, count: count, value: value)
        return buffer
    }

    func gemm(_ label: String, _ d: GemmDescriptor) -> Row {
        let a = buffer(d.m * d.k), b = buffer(d.k * d.n), c = buffer(d.m * d.n)
        let ms = time { backend.gemm(d, a: a, b: b, c: c) }
        return Row(name: label, milliseconds: ms, gflops: 2 * Double(d.m * d.n * d.k) / (ms * 1e6))
    }

    /// Forward, backward-input and backward-weight of one convolution.
    func convolution(_ label: String, _ g: ConvGeometry) -> Row {
        let x = buffer(g.inputShape.reduce(1, *)), w = buffer(g.weightShape.reduce(1, *))
        let y = buffer(g.outputShape.reduce(1, *))
        let dx = buffer(g.inputShape.reduce(1, *)), dw = buffer(g.weightShape.reduce(1, *))
        let ms = time {
            backend.conv2dForward(g, input: x, weight: w, into: y)
            backend.conv2dBackwardInput(g, gradOutput: y, weight: w, into: dx)
            backend.conv2dBackwardWeight(g, input: x, gradOutput: y, into: dw)
        }
        let flops = 3 * 2 * Double(g.batch * g.outChannels * g.outHeight * g.outWidth * g.inChannels * g.kernelH * g.kernelW)
        return Row(name: label, milliseconds: ms, gflops: flops / (ms * 1e6))
    }

    /// The measurements, each run when called (so that a caller can run them one at a time and
    /// stop at the first device error).
    func cases() -> [() -> Row] {
        var rows: [() -> Row] = [
            { gemm("gemm 128×1024×1024 (MLP layer, batch 128)", GemmDescriptor(m: 128, n: 1024, k: 1024, transposeB: true)) },
            { gemm("gemm 128×512×1024", GemmDescriptor(m: 128, n: 512, k: 1024, transposeB: true)) },
            { gemm("gemm 512³", GemmDescriptor(m: 512, n: 512, k: 512)) },
            { gemm("gemm 2048³", GemmDescriptor(m: 2048, n: 2048, k: 2048)) },
        ]
        let layers: [(String, ConvGeometry)] = [
            (
                "conv 1→16 k5 32² (CNN-VAE, batch 128)",
                ConvGeometry(
                    batch: 128, inChannels: 1, height: 32, width: 32, outChannels: 16,
                    kernelH: 5, kernelW: 5, padH: 2, padW: 2)
            ),
            (
                "conv 16→32 k3 s2 32²",
                ConvGeometry(
                    batch: 128, inChannels: 16, height: 32, width: 32, outChannels: 32,
                    kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1)
            ),
            (
                "conv 32→64 k3 s2 16²",
                ConvGeometry(
                    batch: 128, inChannels: 32, height: 16, width: 16, outChannels: 64,
                    kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1)
            ),
            (
                "conv 16→1 k5 32²",
                ConvGeometry(
                    batch: 128, inChannels: 16, height: 32, width: 32, outChannels: 1,
                    kernelH: 5, kernelW: 5, padH: 2, padW: 2)
            ),
        ]
        rows += layers.map { layer in { convolution(layer.0, layer.1) } }
        rows.append {
            let count = 1 << 24
            let x = buffer(count), out = buffer(count)
            let layout = StridedLayout(contiguous: [count])
            let ms = time { backend.unary(.tanh, x, layout, into: out) }
            return Row(
                name: "unary tanh 16M floats (GB/s in last column)", milliseconds: ms, gflops: 8 * Double(count) / (ms * 1e6))
        }
        return rows
    }
}
