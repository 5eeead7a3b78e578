import Testing
@testable import TensorCore

/// Checks the CPU backend's convolution (forward, input gradient, weight gradient) against a plain
/// loop over the definition, on every instruction-set path of this machine, with 1 and 2 threads.
@Suite struct ConvKernelTests {
    struct Result {
        var output: [Float], gradInput: [Float], gradWeight: [Float]
    }

    /// The definition: out[n,o,y,x] = Σ in[n,c,y·s−p+i·d, x·s−p+j·d] · w[o,c,i,j] (zero outside), and
    /// its two gradients for the upstream gradient `gradOutput`; Double accumulation.
    static func reference(_ g: ConvGeometry, input: [Float], weight: [Float], gradOutput: [Float]) -> Result {
        let (oh, ow) = (g.outHeight, g.outWidth)
        var output = [Double](repeating: 0, count: g.batch * g.outChannels * oh * ow)
        var gradInput = [Double](repeating: 0, count: input.count)
        var gradWeight = [Double](repeating: 0, count: weight.count)
        for n in 0..<g.batch {
            for o in 0..<g.outChannels {
                for y in 0..<oh {
                    for x in 0..<ow {
                        let outIndex = ((n * g.outChannels + o) * oh + y) * ow + x
                        let upstream = Double(gradOutput[outIndex])
                        for c in 0..<g.inChannels {
                            for i in 0..<g.kernelH {
                                let iy = y * g.strideH - g.padH + i * g.dilationH
                                guard iy >= 0, iy < g.height else { continue }
                                for j in 0..<g.kernelW {
                                    let ix = x * g.strideW - g.padW + j * g.dilationW
                                    guard ix >= 0, ix < g.width else { continue }
                                    let inIndex = ((n * g.inChannels + c) * g.height + iy) * g.width + ix
                                    let wIndex = ((o * g.inChannels + c) * g.kernelH + i) * g.kernelW + j
                                    output[outIndex] += Double(input[inIndex]) * Double(weight[wIndex])
                                    gradInput[inIndex] += upstream * Double(weight[wIndex])
                                    gradWeight[wIndex] += upstream * Double(input[inIndex])
                                }
                            }
                        }
                    }
                }
            }
        }
        return Result(
            output: output.map { Float($0) }, gradInput: gradInput.map { Float($0) },
            gradWeight: gradWeight.map { Float($0) })
    }

    /// A CPU buffer holding `values`.
    static func buffer(_ values: [Float]) -> any DeviceBuffer {
        let backend = CPUBackend.shared
        let buffer = backend.allocate(count: values.count)
        values.withUnsafeBufferPointer { backend.upload($0, to: buffer, offset: 0) }
        return buffer
    }

    /// The first `count` values of a CPU buffer.
    static func read(_ buffer: any DeviceBuffer, _ count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { CPUBackend.shared.download(buffer, offset: 0, into: $0) }
        return out
    }

    static func run(
        _ g: ConvGeometry, input: [Float], weight: [Float], gradOutput: [Float],
        isa: CPUInstructionSet, threads: Int
    ) -> Result {
        let backend = CPUBackend.shared
        let (buffer, read) = (Self.buffer, Self.read)
        func poisoned(_ count: Int) -> any DeviceBuffer { buffer([Float](repeating: .nan, count: count)) }
        let (bi, bw, bg) = (buffer(input), buffer(weight), buffer(gradOutput))
        // Outputs start as NaN: every element must be overwritten.
        let (bo, bgi, bgw) = (poisoned(gradOutput.count), poisoned(input.count), poisoned(weight.count))
        CPUBackend.withKernelSettings(instructionSet: isa, threads: threads) {
            backend.conv2dForward(g, input: bi, weight: bw, into: bo)
            backend.conv2dBackwardInput(g, gradOutput: bg, weight: bw, into: bgi)
            backend.conv2dBackwardWeight(g, input: bi, gradOutput: bg, into: bgw)
        }
        return Result(
            output: read(bo, gradOutput.count), gradInput: read(bgi, input.count),
            gradWeight: read(bgw, weight.count))
    }

    /// Largest |a − b| relative to max(1, |b|), NaN-propagating.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { worst, pair in
            let error = abs(pair.0 - pair.1) / max(1, abs(pair.1))
            return error.isNaN || error > worst ? (error.isNaN ? .nan : error) : worst
        }
    }

    static func check(_ g: ConvGeometry, seed: UInt64 = 3) {
        let input = GemmKernelTests.values(g.batch * g.inChannels * g.height * g.width, seed: seed)
        let weight = GemmKernelTests.values(g.outChannels * g.inChannels * g.kernelH * g.kernelW, seed: seed + 1)
        let gradOutput = GemmKernelTests.values(g.batch * g.outChannels * g.outHeight * g.outWidth, seed: seed + 2)
        let expected = reference(g, input: input, weight: weight, gradOutput: gradOutput)
        // Sums of up to ~10⁴ products of values in [-1, 1]: Float32 rounding stays far below 1e-4.
        let tolerance: Float = 1e-4
        for isa in CPUBackend.supportedInstructionSets {
            for threads in [1, 2] {
                let got = run(g, input: input, weight: weight, gradOutput: gradOutput, isa: isa, threads: threads)
                let errors = (
                    relativeError(got.output, expected.output), relativeError(got.gradInput, expected.gradInput),
                    relativeError(got.gradWeight, expected.gradWeight)
                )
                #expect(
                    errors.0 <= tolerance && errors.1 <= tolerance && errors.2 <= tolerance,
                    "\(isa), \(threads) threads, \(g): errors forward \(errors.0), input \(errors.1), weight \(errors.2)")
            }
        }
    }

    @Test(arguments: [1, 7, 33])
    func oddSpatialSizes(size: Int) {
        Self.check(
            ConvGeometry(
                batch: 2, inChannels: 3, height: size, width: size, outChannels: 5,
                kernelH: 3, kernelW: 3, padH: 1, padW: 1))
    }

    @Test func stridePaddingDilation() {
        for (stride, pad, dilation) in [(2, 1, 1), (3, 0, 1), (1, 2, 2), (2, 3, 2), (1, 0, 3), (4, 4, 1)] {
            Self.check(
                ConvGeometry(
                    batch: 2, inChannels: 3, height: 11, width: 13, outChannels: 6,
                    kernelH: 3, kernelW: 3, strideH: stride, strideW: stride,
                    padH: pad, padW: pad, dilationH: dilation, dilationW: dilation))
        }
    }

    @Test func rectangularKernelsAndAsymmetricSettings() {
        Self.check(
            ConvGeometry(
                batch: 3, inChannels: 2, height: 9, width: 20, outChannels: 4, kernelH: 2, kernelW: 5,
                strideH: 1, strideW: 2, padH: 0, padW: 2, dilationH: 2, dilationW: 1))
        Self.check(
            ConvGeometry(
                batch: 1, inChannels: 4, height: 7, width: 5, outChannels: 7, kernelH: 7, kernelW: 1,
                strideH: 3, strideW: 1, padH: 3, padW: 0))
    }

    @Test func outputSizes() {
        // A single output pixel, a kernel as large as the padded input, and 1×1 convolutions.
        Self.check(ConvGeometry(batch: 2, inChannels: 5, height: 3, width: 3, outChannels: 4, kernelH: 3, kernelW: 3))
        Self.check(
            ConvGeometry(
                batch: 1, inChannels: 2, height: 4, width: 6, outChannels: 9, kernelH: 6, kernelW: 8,
                padH: 1, padW: 1))
        Self.check(ConvGeometry(batch: 3, inChannels: 7, height: 5, width: 9, outChannels: 33, kernelH: 1, kernelW: 1))
        Self.check(
            ConvGeometry(
                batch: 2, inChannels: 7, height: 9, width: 9, outChannels: 5, kernelH: 1, kernelW: 1,
                strideH: 2, strideW: 2))
    }

    @Test func fewOutputChannelsUseTheDirectKernels() {
        // One to three output channels take the direct kernels; stride 2 takes their scatter path.
        for outChannels in [1, 2, 3] {
            Self.check(
                ConvGeometry(
                    batch: 2, inChannels: 9, height: 6, width: 37, outChannels: outChannels,
                    kernelH: 5, kernelW: 5, padH: 2, padW: 2))
            Self.check(
                ConvGeometry(
                    batch: 2, inChannels: 4, height: 10, width: 10, outChannels: outChannels,
                    kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1))
        }
        Self.check(
            ConvGeometry(
                batch: 1, inChannels: 3, height: 8, width: 70, outChannels: 1, kernelH: 3, kernelW: 3,
                padH: 1, padW: 1, dilationH: 1, dilationW: 2))
        // Stride 1 along the width takes the row-blocked kernels over a padded copy: rows of one and
        // two vectors, kernels of 5 and 3 rows (register reuse) and others, heights that leave a
        // partial block, and row strides and dilations other than 1 (the plain row-blocked forward).
        for (height, width) in [(11, 29), (9, 14), (13, 32)] {
            Self.check(
                ConvGeometry(
                    batch: 3, inChannels: 5, height: height, width: width, outChannels: 2,
                    kernelH: 5, kernelW: 5, padH: 2, padW: 2))
            Self.check(
                ConvGeometry(
                    batch: 2, inChannels: 3, height: height, width: width, outChannels: 1,
                    kernelH: 3, kernelW: 3, padH: 1, padW: 1))
        }
        Self.check(
            ConvGeometry(
                batch: 2, inChannels: 4, height: 12, width: 21, outChannels: 3, kernelH: 4, kernelW: 2,
                strideH: 2, strideW: 1, padH: 1, padW: 1, dilationH: 2, dilationW: 1))
    }

    @Test func strideTwoThreeWideRowsOfOneVector() {
        // 3-wide kernels at stride 2 and padding 1 over inputs two vectors wide (32 columns with
        // AVX-512, 16 with AVX2; half that, two output rows per vector) scatter the input gradient three
        // kernel columns at a time.
        for width in [8, 16, 32] {
            Self.check(
                ConvGeometry(
                    batch: 2, inChannels: 3, height: 7, width: width, outChannels: 5,
                    kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1))
            Self.check(
                ConvGeometry(
                    batch: 1, inChannels: 2, height: 6, width: width, outChannels: 4,
                    kernelH: 2, kernelW: 3, strideH: 1, strideW: 2, padH: 0, padW: 1))
        }
    }

    @Test func channelBlockedStrideTwoKernel() {
        // 3×3 stride-2 layers with rows of one or two vectors take the channel-blocked forward kernel
        // over a column-split copy: output widths of exactly one vector, between one and two, and
        // two (AVX-512: 16, 24, 32; AVX2: 8, 12, 16); paddings 0, 1 and 2 (even and odd column
        // parity); heights that leave a partial row block; channel counts that leave every
        // remainder of a channel block; batch 1 and 3 at 1 and 2 threads.
        let lanes = [16, 8]
        for vectorLanes in lanes {
            for (outWidth, pad) in [(vectorLanes, 1), (vectorLanes * 3 / 2, 0), (vectorLanes * 2, 2)] {
                let width = 2 * (outWidth - 1) + 3 - 2 * pad
                for outChannels in [4, 5, 7, 8, 9, 10, 11] {
                    Self.check(
                        ConvGeometry(
                            batch: outChannels % 2 == 0 ? 3 : 1, inChannels: 3, height: 13 - pad, width: width,
                            outChannels: outChannels, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2,
                            padH: pad, padW: pad))
                }
            }
        }
        // An odd input width whose last column pairs with padding only.
        Self.check(
            ConvGeometry(
                batch: 2, inChannels: 2, height: 9, width: 31, outChannels: 6,
                kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1))
    }

    @Test func paritySplitInputGradientOfStrideTwoLayers() {
        // 3×3 stride-2 layers with padding 1 and an input twice the output take the parity-split
        // input-gradient kernel when output rows are one or two whole vectors: widths 8, 16 and 32
        // (one and two vectors for AVX2 and AVX-512), odd and even heights (a partial row block),
        // odd and even input-channel counts (a partial channel block).
        for outWidth in [8, 16, 32] {
            for (outHeight, inChannels) in [(5, 3), (4, 2), (3, 5)] {
                Self.check(
                    ConvGeometry(
                        batch: 2, inChannels: inChannels, height: 2 * outHeight, width: 2 * outWidth, outChannels: 7,
                        kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1))
            }
        }
    }

    @Test func layersShapedLikeTheCNNVAE() {
        // The VAE's channels, kernels and strides on smaller images; the 32→64 layer at its real size
        // and batch 1, where one image's product is split over threads.
        Self.check(
            ConvGeometry(
                batch: 2, inChannels: 1, height: 16, width: 16, outChannels: 16,
                kernelH: 5, kernelW: 5, padH: 2, padW: 2))
        Self.check(
            ConvGeometry(
                batch: 2, inChannels: 16, height: 16, width: 16, outChannels: 32,
                kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1))
        Self.check(
            ConvGeometry(
                batch: 1, inChannels: 32, height: 16, width: 16, outChannels: 64,
                kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1))
        Self.check(
            ConvGeometry(
                batch: 2, inChannels: 16, height: 16, width: 16, outChannels: 1,
                kernelH: 5, kernelW: 5, padH: 2, padW: 2))
    }

    @Test func theWeightGradientOfABatchIsTheSumOfItsHalvesAndQuarters() {
        // The batch is summed as a balanced tree of 8-image leaves, on every path (direct kernels
        // for 16→1, dot products for 1→16 and 16→32, the GEMM for 32→64): the gradient of 32
        // images is, bit for bit, the sum of two halves' and the tree of four quarters' (two and
        // four ranks of data-parallel training), and the same with 1 and 2 threads.
        let layers = [(1, 16, 5, 1, 2), (16, 32, 3, 2, 1), (32, 64, 3, 2, 1), (16, 1, 5, 1, 2)]
        for (inChannels, outChannels, kernel, stride, pad) in layers {
            func geometry(_ batch: Int) -> ConvGeometry {
                ConvGeometry(
                    batch: batch, inChannels: inChannels, height: 8, width: 8, outChannels: outChannels,
                    kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad)
            }
            let whole = geometry(32)
            let (imageIn, imageOut) = (inChannels * 64, outChannels * whole.outHeight * whole.outWidth)
            let input = GemmKernelTests.values(32 * imageIn, seed: 11)
            let weight = GemmKernelTests.values(outChannels * inChannels * kernel * kernel, seed: 12)
            let gradOutput = GemmKernelTests.values(32 * imageOut, seed: 13)
            for isa in CPUBackend.supportedInstructionSets {
                func gradient(_ first: Int, _ count: Int, threads: Int) -> [Float] {
                    Self.run(
                        geometry(count), input: Array(input[first * imageIn..<(first + count) * imageIn]), weight: weight,
                        gradOutput: Array(gradOutput[first * imageOut..<(first + count) * imageOut]), isa: isa, threads: threads
                    ).gradWeight
                }
                func add(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $0 + $1 } }
                let full = gradient(0, 32, threads: 1)
                let halves = add(gradient(0, 16, threads: 1), gradient(16, 16, threads: 2))
                let quarters = add(
                    add(gradient(0, 8, threads: 1), gradient(8, 8, threads: 1)),
                    add(gradient(16, 8, threads: 2), gradient(24, 8, threads: 1)))
                let layer = "\(isa), \(inChannels)→\(outChannels) k\(kernel)"
                #expect(full.map(\.bitPattern) == gradient(0, 32, threads: 2).map(\.bitPattern), "\(layer): 1 and 2 threads")
                #expect(full.map(\.bitPattern) == halves.map(\.bitPattern), "\(layer): halves")
                #expect(full.map(\.bitPattern) == quarters.map(\.bitPattern), "\(layer): quarters")
            }
        }
    }

    @Test func theEpilogueAddsTheBiasAppliesTheReLUAndMasksOnEveryPath() {
        // The forward pass and the input gradient with each epilogue: exactly what the separate
        // elementwise passes give (bias added, then the ReLU keeping NaN and −0, then 0 where the
        // mask is 0, NaN in the mask counting as non-zero), on the direct, stride-2 and GEMM paths,
        // at 1 and 2 threads.
        let layers = [(16, 1, 5, 1, 2, 16), (16, 32, 3, 2, 1, 32), (32, 64, 3, 2, 1, 16), (4, 6, 3, 1, 1, 9)]
        for (inChannels, outChannels, kernel, stride, pad, size) in layers {
            let g = ConvGeometry(
                batch: 3, inChannels: inChannels, height: size, width: size, outChannels: outChannels,
                kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad)
            let input = GemmKernelTests.values(g.inputShape.reduce(1, *), seed: 21)
            let weight = GemmKernelTests.values(g.weightShape.reduce(1, *), seed: 22)
            let gradOutput = GemmKernelTests.values(g.outputShape.reduce(1, *), seed: 23)
            // A ReLU's output: about half zeros, one NaN.
            func mask(_ count: Int, seed: UInt64) -> [Float] {
                var m = GemmKernelTests.values(count, seed: seed).map { max($0, 0) }
                m[count / 2] = .nan
                return m
            }
            let (outputMask, inputMask) = (mask(gradOutput.count, seed: 24), mask(input.count, seed: 25))
            let (outputBias, inputBias) = (
                GemmKernelTests.values(outChannels, seed: 26), GemmKernelTests.values(inChannels, seed: 27)
            )
            let backend = CPUBackend.shared
            let (buffer, read) = (Self.buffer, Self.read)
            /// The separate passes over NCHW `values` with `channels` channels.
            func expected(_ values: [Float], channels: Int, bias: [Float]?, relu: Bool, mask: [Float]?) -> [UInt32] {
                let plane = values.count / (g.batch * channels)
                return values.indices.map { i in
                    var v = values[i]
                    if let bias { v = v + bias[i / plane % channels] }
                    if relu { v = v < 0 ? 0 : v }
                    if let mask { v = mask[i] != 0 ? v : 0 }
                    return v.bitPattern
                }
            }
            let epilogues: [(name: String, bias: Bool, relu: Bool, mask: Bool)] = [
                ("bias", true, false, false), ("bias and ReLU", true, true, false), ("ReLU", false, true, false),
                ("mask", false, false, true), ("bias, ReLU and mask", true, true, true),
            ]
            for isa in CPUBackend.supportedInstructionSets {
                for threads in [1, 2] {
                    let plain = Self.run(g, input: input, weight: weight, gradOutput: gradOutput, isa: isa, threads: threads)
                    for e in epilogues {
                        let (output, gradInput) = (buffer(gradOutput.map { _ in .nan }), buffer(input.map { _ in .nan }))
                        CPUBackend.withKernelSettings(instructionSet: isa, threads: threads) {
                            backend.conv2dForward(
                                g, input: buffer(input), weight: buffer(weight), into: output,
                                epilogue: ConvEpilogue(
                                    bias: e.bias ? buffer(outputBias) : nil, relu: e.relu,
                                    mask: e.mask ? buffer(outputMask) : nil))
                            backend.conv2dBackwardInput(
                                g, gradOutput: buffer(gradOutput), weight: buffer(weight), into: gradInput,
                                epilogue: ConvEpilogue(
                                    bias: e.bias ? buffer(inputBias) : nil, relu: e.relu,
                                    mask: e.mask ? buffer(inputMask) : nil))
                        }
                        let layer = "\(isa), \(threads) threads, \(inChannels)→\(outChannels) k\(kernel) s\(stride), \(e.name)"
                        #expect(
                            read(output, gradOutput.count).map(\.bitPattern)
                                == expected(
                                    plain.output, channels: outChannels, bias: e.bias ? outputBias : nil, relu: e.relu,
                                    mask: e.mask ? outputMask : nil), "\(layer): forward")
                        #expect(
                            read(gradInput, input.count).map(\.bitPattern)
                                == expected(
                                    plain.gradInput, channels: inChannels, bias: e.bias ? inputBias : nil, relu: e.relu,
                                    mask: e.mask ? inputMask : nil), "\(layer): input gradient")
                    }
                }
            }
        }
    }

    @Test func aLayersGradientsInOnePassGiveTheSeparateResults() {
        // conv2dGradients: the weight gradient, the bias gradient and the forward pass of `input`
        // or the input gradient of `gradOutput` (with a mask), leaf by leaf in one pass over the
        // batch: the bits of the separate calls on the direct, stride-2, dot-product and GEMM paths,
        // at 1 and 2 threads, at a batch of 32 (four leaves: the paired pass runs on both threads)
        // and 3 (the calls run one after the other). The bias matches a double-precision sum, is
        // the same with or without a product, and at batch 32 is bit for bit the sum of its halves'.
        let layers = [(16, 1, 5, 1, 2, 16), (16, 32, 3, 2, 1, 32), (32, 64, 3, 2, 1, 16), (1, 16, 5, 1, 2, 12)]
        for (inChannels, outChannels, kernel, stride, pad, size) in layers {
            for batch in [32, 3] {
                func geometry(_ batch: Int) -> ConvGeometry {
                    ConvGeometry(
                        batch: batch, inChannels: inChannels, height: size, width: size, outChannels: outChannels,
                        kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad)
                }
                let g = geometry(batch)
                let input = GemmKernelTests.values(g.inputShape.reduce(1, *), seed: 31)
                let weight = GemmKernelTests.values(g.weightShape.reduce(1, *), seed: 32)
                let gradOutput = GemmKernelTests.values(g.outputShape.reduce(1, *), seed: 33)
                let outputMask = GemmKernelTests.values(gradOutput.count, seed: 34).map { max($0, 0) }
                let inputMask = GemmKernelTests.values(input.count, seed: 35).map { max($0, 0) }
                let backend = CPUBackend.shared
                let buffer = Self.buffer
                func read(_ buffer: any DeviceBuffer, _ count: Int) -> [UInt32] { Self.read(buffer, count).map(\.bitPattern) }
                /// Σ over the batch and the pixels of NCHW `values` with `channels` channels, in double.
                func channelSums(_ values: [Float], channels: Int) -> [Double] {
                    let plane = values.count / (batch * channels)
                    var sums = [Double](repeating: 0, count: channels)
                    for (i, v) in values.enumerated() { sums[i / plane % channels] += Double(v) }
                    return sums
                }
                let (outputSums, inputSums) = (
                    channelSums(gradOutput, channels: outChannels), channelSums(input, channels: inChannels)
                )
                for isa in CPUBackend.supportedInstructionSets {
                    for threads in [1, 2] {
                        let (x, w, dy) = (buffer(input), buffer(weight), buffer(gradOutput))
                        let poisoned = { (count: Int) in buffer([Float](repeating: .nan, count: count)) }
                        let (output, gradInput, gradWeight) = (
                            poisoned(gradOutput.count), poisoned(input.count), poisoned(weight.count)
                        )
                        let (pairedOutput, pairedGradInput) = (poisoned(gradOutput.count), poisoned(input.count))
                        let (weightWithForward, weightWithInput, weightAlone) = (
                            poisoned(weight.count), poisoned(weight.count), poisoned(weight.count)
                        )
                        let (biasOfInput, biasOfOutput, biasAlone) = (
                            poisoned(inChannels), poisoned(outChannels), poisoned(outChannels)
                        )
                        let (forwardMask, inputGradientMask) = (
                            ConvEpilogue(mask: buffer(outputMask)), ConvEpilogue(mask: buffer(inputMask))
                        )
                        CPUBackend.withKernelSettings(instructionSet: isa, threads: threads) {
                            backend.conv2dForward(g, input: x, weight: w, into: output, epilogue: forwardMask)
                            backend.conv2dBackwardInput(
                                g, gradOutput: dy, weight: w, into: gradInput, epilogue: inputGradientMask)
                            backend.conv2dBackwardWeight(g, input: x, gradOutput: dy, into: gradWeight)
                            backend.conv2dGradients(
                                g, input: x, gradOutput: dy, weightGradient: weightWithForward,
                                biasGradient: ConvBiasGradient(result: biasOfInput, ofInput: true),
                                product: .forward(weight: w, result: pairedOutput, epilogue: forwardMask))
                            backend.conv2dGradients(
                                g, input: x, gradOutput: dy, weightGradient: weightWithInput,
                                biasGradient: ConvBiasGradient(result: biasOfOutput, ofInput: false),
                                product: .inputGradient(weight: w, result: pairedGradInput, epilogue: inputGradientMask))
                            backend.conv2dGradients(
                                g, input: x, gradOutput: dy, weightGradient: weightAlone,
                                biasGradient: ConvBiasGradient(result: biasAlone, ofInput: false), product: nil)
                        }
                        let layer =
                            "\(isa), \(threads) threads, \(inChannels)→\(outChannels) k\(kernel) s\(stride), batch \(batch)"
                        /// Elements whose bits differ (0 expected; a count keeps a failure's message short).
                        func differing(_ a: any DeviceBuffer, _ b: any DeviceBuffer, _ count: Int) -> Int {
                            zip(read(a, count), read(b, count)).filter { $0 != $1 }.count
                        }
                        #expect(differing(pairedOutput, output, gradOutput.count) == 0, "\(layer): forward")
                        #expect(differing(weightWithForward, gradWeight, weight.count) == 0, "\(layer): weight, with forward")
                        #expect(differing(pairedGradInput, gradInput, input.count) == 0, "\(layer): input gradient")
                        #expect(
                            differing(weightWithInput, gradWeight, weight.count) == 0, "\(layer): weight, with input gradient")
                        #expect(differing(weightAlone, gradWeight, weight.count) == 0, "\(layer): weight alone")
                        #expect(differing(biasAlone, biasOfOutput, outChannels) == 0, "\(layer): bias alone")
                        for (got, expected, name) in [
                            (Self.read(biasOfInput, inChannels), inputSums, "bias of input"),
                            (Self.read(biasOfOutput, outChannels), outputSums, "bias of output gradient"),
                        ] {
                            let error = zip(got, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
                            #expect(error < 1e-5, "\(layer): \(name), relative error \(error)")
                        }
                        guard batch == 32 else { continue }
                        // Halves of 16 images: their bias sums added once give the batch's bits.
                        let half = geometry(16)
                        let (imageIn, imageOut) = (input.count / batch, gradOutput.count / batch)
                        var halves: [[Float]] = []
                        for h in 0..<2 {
                            let partBias = poisoned(outChannels)
                            CPUBackend.withKernelSettings(instructionSet: isa, threads: threads) {
                                backend.conv2dGradients(
                                    half, input: buffer(Array(input[(h * 16 * imageIn)..<((h + 1) * 16 * imageIn)])),
                                    gradOutput: buffer(Array(gradOutput[(h * 16 * imageOut)..<((h + 1) * 16 * imageOut)])),
                                    weightGradient: poisoned(weight.count),
                                    biasGradient: ConvBiasGradient(result: partBias, ofInput: false), product: nil)
                            }
                            halves.append(Self.read(partBias, outChannels))
                        }
                        #expect(
                            zip(halves[0], halves[1]).map { ($0 + $1).bitPattern } == read(biasAlone, outChannels),
                            "\(layer): bias of the halves")
                    }
                }
            }
        }
    }

    @Test func wideRowsAndManyPixels() {
        // Rows wider than the fast path's vectors, and more pixels than one column buffer holds.
        Self.check(
            ConvGeometry(
                batch: 1, inChannels: 2, height: 3, width: 300, outChannels: 4, kernelH: 3, kernelW: 3,
                padH: 1, padW: 1))
        Self.check(
            ConvGeometry(
                batch: 1, inChannels: 30, height: 20, width: 20, outChannels: 4, kernelH: 3, kernelW: 3,
                padH: 1, padW: 1))
    }
}
