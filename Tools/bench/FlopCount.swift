// FLOP counts of the reference VAEs' training steps, and the GEMM rate they are measured against:
// `bench step` and `bench conv` report achieved FLOP/s ÷ the SGEMM rate measured in the same run
// ("fraction of GEMM peak"), a ratio that stays meaningful on a busy or throttled machine.
//
// Counting rule (per sample; only the multiply-adds of the weight layers, 2 FLOP each):
//   a convolution with O output channels, an output of H'×W' pixels, I input channels and a K_h×K_w
//   kernel does M = O·H'·W'·I·K_h·K_w multiply-adds forward (a transposed convolution is counted as
//   the convolution whose input gradient it is: its input is that convolution's output);
//   a Linear layer in→out does M = in·out;
//   forward 2M, weight gradient 2M, input gradient 2M, except the model's first layer, whose input
//   (the data) needs no gradient and is not computed: 4M there.
// Bias additions, activations, the loss and the optimizer step are not counted (together under 1%
// of the total for these models).
import TensorCore
import VAEModels

enum FlopCount {
    /// Multiply-adds per sample of one weight layer's forward pass.
    struct Layer {
        var label: String
        var macs: Int
    }

    /// FLOP per sample of a training step (forward + input and weight gradients) through `layers`,
    /// in order from the input; the first layer's input gradient is not counted.
    static func trainingFlops(_ layers: [Layer]) -> Double {
        layers.enumerated().reduce(0) { total, item in
            total + Double(item.offset == 0 ? 4 : 6) * Double(item.element.macs)
        }
    }

    /// Multiply-adds per sample of a convolution geometry (batch ignored).
    static func macs(_ g: ConvGeometry) -> Int {
        g.outChannels * g.outHeight * g.outWidth * g.inChannels * g.kernelH * g.kernelW
    }

    /// The MLP-VAE's Linear layers at bottleneck 16, encoder then decoder.
    static var mlpLayers: [Layer] {
        GemmBench.mlpLayers.map { Layer(label: "Linear \($0.0)→\($0.1)", macs: $0.0 * $0.1) }
    }

    /// The CNN-VAE's layers on 1×32×32 at bottleneck 16, in forward order: the encoder's three
    /// convolutions and Linear(64·8·8 → 32), the decoder's Linear(16 → 64·8·8), two transposed and one
    /// plain convolution.
    static var cnnLayers: [Layer] {
        let convs = ConvBench.layers.map { Layer(label: $0.label, macs: macs($0.geometry(batch: 1))) }
        return Array(convs[0..<3]) + [
            Layer(label: "enc Linear 4096→32", macs: 64 * 8 * 8 * 32),
            Layer(label: "dec Linear 16→4096", macs: 16 * 64 * 8 * 8),
        ] + Array(convs[3...])
    }

    static func trainingFlops(_ architecture: VAEConfiguration.Architecture) -> Double {
        trainingFlops(architecture == .mlp ? mlpLayers : cnnLayers)
    }

    /// The reference product: a 512×512×512 SGEMM, the shape `bench gemm` reports first.
    static let referenceShape = GemmBench.Shape(label: "square", m: 512, n: 512, k: 512)

    /// GEMM GFLOP/s on the reference shape with the current thread setting: the better of two
    /// medians (one before and one after the measurement it serves, see `measureAround`), so that
    /// a burst of load from other processes lowers the fraction rather than raising it.
    static func referenceGflops(repeats: Int, clock: TimingClock) -> Double {
        GemmBench.swiftGflops(referenceShape, repeats: max(repeats, 5), clock: clock)
    }

    /// Runs `body` between two reference GEMM measurements; returns its result and the higher rate.
    static func measureAround<T>(repeats: Int, clock: TimingClock, _ body: () throws -> T) rethrows -> (T, Double) {
        let before = referenceGflops(repeats: repeats, clock: clock)
        let result = try body()
        let after = referenceGflops(repeats: repeats, clock: clock)
        return (result, max(before, after))
    }
}
