import Testing
@testable import TensorCore

/// Hyper-parameters of one convolution case: (height, width) pairs.
private struct ConvCase: CustomStringConvertible, Sendable {
    var batch = 2, inChannels = 3, outChannels = 4, height = 7, width = 6
    var kernel = (3, 3), stride = (1, 1), padding = (0, 0), dilation = (1, 1), outputPadding = (0, 0)
    var description: String {
        "N\(batch) C\(inChannels)→\(outChannels) \(height)×\(width) k\(kernel) s\(stride) p\(padding) d\(dilation) op\(outputPadding)"
    }
}

/// PyTorch's conv2d by its definition, in Double.
private func referenceConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: ConvCase) -> (shape: [Int], values: [Float]) {
    let (xv, wv, bv) = (x.scalars, w.scalars, b?.scalars)
    let (n, ci, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (h + 2 * c.padding.0 - c.dilation.0 * (kh - 1) - 1) / c.stride.0 + 1
    let ow = (wd + 2 * c.padding.1 - c.dilation.1 * (kw - 1) - 1) / c.stride.1 + 1
    var out = [Float](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n {
        for oc in 0..<o {
            for y in 0..<oh {
                for xo in 0..<ow {
                    var s = Double(bv?[oc] ?? 0)
                    for ic in 0..<ci {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = y * c.stride.0 - c.padding.0 + ky * c.dilation.0
                                let ix = xo * c.stride.1 - c.padding.1 + kx * c.dilation.1
                                guard (0..<h).contains(iy), (0..<wd).contains(ix) else { continue }
                                s +=
                                    Double(xv[((b * ci + ic) * h + iy) * wd + ix])
                                    * Double(wv[((oc * ci + ic) * kh + ky) * kw + kx])
                            }
                        }
                    }
                    out[((b * o + oc) * oh + y) * ow + xo] = Float(s)
                }
            }
        }
    }
    return ([n, o, oh, ow], out)
}

/// PyTorch's conv_transpose2d by its definition (every input element scatters the kernel), in Double.
private func referenceConvTranspose2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: ConvCase) -> (shape: [Int], values: [Float]) {
    let (xv, wv, bv) = (x.scalars, w.scalars, b?.scalars)
    let (n, ci, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
    let oh = (h - 1) * c.stride.0 - 2 * c.padding.0 + c.dilation.0 * (kh - 1) + c.outputPadding.0 + 1
    let ow = (wd - 1) * c.stride.1 - 2 * c.padding.1 + c.dilation.1 * (kw - 1) + c.outputPadding.1 + 1
    var out = [Double](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n {
        for ic in 0..<ci {
            for i in 0..<h {
                for j in 0..<wd {
                    let v = Double(xv[((b * ci + ic) * h + i) * wd + j])
                    for oc in 0..<o {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let y = i * c.stride.0 - c.padding.0 + ky * c.dilation.0
                                let xo = j * c.stride.1 - c.padding.1 + kx * c.dilation.1
                                guard (0..<oh).contains(y), (0..<ow).contains(xo) else { continue }
                                out[((b * o + oc) * oh + y) * ow + xo] += v * Double(wv[((ic * o + oc) * kh + ky) * kw + kx])
                            }
                        }
                    }
                }
            }
        }
    }
    if let bv {
        for k in out.indices { out[k] += Double(bv[(k / (oh * ow)) % o]) }
    }
    return ([n, o, oh, ow], out.map(Float.init))
}

private let forwardCases: [ConvCase] = [
    ConvCase(),
    ConvCase(padding: (1, 1)),
    ConvCase(stride: (2, 2), padding: (1, 1)),
    ConvCase(batch: 1, inChannels: 1, outChannels: 16, height: 9, width: 9, kernel: (5, 5), padding: (2, 2)),
    ConvCase(inChannels: 5, outChannels: 1, kernel: (5, 5), padding: (2, 2)),
    ConvCase(kernel: (3, 2), stride: (2, 1), padding: (1, 0), dilation: (2, 3)),
    ConvCase(batch: 3, inChannels: 2, outChannels: 3, height: 8, width: 5, kernel: (1, 1), stride: (3, 2)),
]

private let transposedCases: [ConvCase] = [
    ConvCase(stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)),  // the CNN-VAE decoder's layers
    ConvCase(),
    ConvCase(height: 4, width: 5, kernel: (2, 3), stride: (3, 2), padding: (0, 1), outputPadding: (2, 1)),
    ConvCase(inChannels: 2, outChannels: 5, height: 5, width: 4, stride: (2, 2), dilation: (2, 1), outputPadding: (1, 0)),
]

@Suite struct OpsConvolutionTests {
    @Test(arguments: forwardCases)
    fileprivate func conv2dMatchesTheDefinition(c: ConvCase) {
        let x = randomTensor([c.batch, c.inChannels, c.height, c.width], seed: 1)
        let w = randomTensor([c.outChannels, c.inChannels, c.kernel.0, c.kernel.1], seed: 2)
        let b = randomTensor([c.outChannels], seed: 3)
        let got = x.conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation)
        let expected = referenceConv2d(x, w, b, c)
        expectValues(got, expected.shape, expected.values, tolerance: 1e-4, "\(c)")
        let noBias = referenceConv2d(x, w, nil, c)
        expectValues(
            x.conv2d(weight: w, stride: c.stride, padding: c.padding, dilation: c.dilation),
            noBias.shape, noBias.values, tolerance: 1e-4, "\(c) without bias")
    }

    @Test(arguments: transposedCases)
    fileprivate func convTranspose2dMatchesTheDefinition(c: ConvCase) {
        let x = randomTensor([c.batch, c.inChannels, c.height, c.width], seed: 4)
        let w = randomTensor([c.inChannels, c.outChannels, c.kernel.0, c.kernel.1], seed: 5)
        let b = randomTensor([c.outChannels], seed: 6)
        let got = x.convTranspose2d(
            weight: w, bias: b, stride: c.stride, padding: c.padding,
            outputPadding: c.outputPadding, dilation: c.dilation)
        let expected = referenceConvTranspose2d(x, w, b, c)
        expectValues(got, expected.shape, expected.values, tolerance: 1e-4, "\(c)")
    }

    @Test func stridedInputsAndUnbatchedInput() {
        let c = ConvCase(padding: (1, 1))
        let stored = randomTensor([c.batch, c.inChannels, c.width, c.height], seed: 7)
        let x = stored.transposed(2, 3)  // [N, C, H, W] as a view
        let w = randomTensor([c.outChannels, c.inChannels, 3, 3], seed: 8)
        let expected = referenceConv2d(x.contiguous(), w, nil, c)
        expectValues(x.conv2d(weight: w, padding: (1, 1)), expected.shape, expected.values, tolerance: 1e-4, "transposed input")
        let single = x.selected(axis: 0, index: 1)
        let one = x.conv2d(weight: w, padding: (1, 1)).selected(axis: 0, index: 1)
        expectValues(single.conv2d(weight: w, padding: (1, 1)), one.shape, one.scalars, tolerance: 1e-5, "3-D input")
        let t = randomTensor([c.outChannels, 2, 3, 3], seed: 9)
        let u = randomTensor([4, 7, 6], seed: 16)
        let upsampled = u.convTranspose2d(weight: t, stride: (2, 2))
        let batched = u.unsqueezed(axis: 0).convTranspose2d(weight: t, stride: (2, 2))
        expectValues(upsampled, [2, 15, 13], batched.scalars, tolerance: 1e-5, "3-D transposed input")
    }

    @Test func misuseNamesTheShapes() {
        let x = Tensor.zeros([2, 3, 8, 8])
        expectTensorFailure(op: "conv2d", mentioning: ["3 channels", "[2, 3, 8, 8]", "[4, 2, 3, 3]"]) {
            x.conv2d(weight: Tensor.zeros([4, 2, 3, 3]))
        }
        expectTensorFailure(op: "conv2d", mentioning: ["bias", "[4]", "[5]"]) {
            x.conv2d(weight: Tensor.zeros([4, 3, 3, 3]), bias: Tensor.zeros([5]))
        }
        expectTensorFailure(op: "conv2d", mentioning: ["kernel does not fit", "[4, 3, 9, 9]"]) {
            x.conv2d(weight: Tensor.zeros([4, 3, 9, 9]))
        }
        expectTensorFailure(op: "conv2d", mentioning: ["stride", "[2, 3, 8, 8]"]) {
            x.conv2d(weight: Tensor.zeros([4, 3, 3, 3]), stride: (0, 1))
        }
        expectTensorFailure(op: "conv2d", mentioning: ["4-D", "[3, 8]"]) { Tensor.zeros([3, 8]).conv2d(weight: x) }
        expectTensorFailure(op: "conv2d", mentioning: ["cpu", "cuda:5"]) {
            x.conv2d(weight: onOtherDevice([1, 3, 1, 1], [1, 1, 1]))
        }
        expectTensorFailure(op: "convTranspose2d", mentioning: ["output padding", "stride"]) {
            x.convTranspose2d(weight: Tensor.zeros([3, 4, 3, 3]), stride: (2, 2), outputPadding: (2, 0))
        }
        expectTensorFailure(op: "convTranspose2d", mentioning: ["3 channels", "[4, 4, 3, 3]"]) {
            x.convTranspose2d(weight: Tensor.zeros([4, 4, 3, 3]))
        }
        expectTensorFailure(op: "convTranspose2d", mentioning: ["not positive"]) {
            Tensor.zeros([1, 3, 1, 1]).convTranspose2d(weight: Tensor.zeros([3, 4, 1, 1]), padding: (1, 1))
        }
    }

    @Test func gradients() {
        let x = randomTensor([2, 3, 5, 4], seed: 10)
        let w = randomTensor([2, 3, 3, 3], seed: 11), b = randomTensor([2], seed: 12)
        expectGradients([x, w, b], "conv2d") { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) }
        expectGradients([x, w], "conv2d stride 2 dilation") {
            $0[0].conv2d(weight: $0[1], stride: (2, 1), padding: (1, 2), dilation: (1, 2))
        }
        expectGradients([randomTensor([2, 3, 4, 5], seed: 13), w], "conv2d of a transposed view") {
            $0[0].transposed(2, 3).conv2d(weight: $0[1], padding: (1, 1))
        }
        let t = randomTensor([3, 2, 3, 3], seed: 14)
        expectGradients([x, t, b], "convTranspose2d") {
            $0[0].convTranspose2d(weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        }
        expectGradients([x, t], "convTranspose2d dilation") {
            $0[0].convTranspose2d(weight: $0[1], stride: (1, 2), outputPadding: (0, 1), dilation: (2, 1))
        }
        expectGradients([randomTensor([3, 1, 1], seed: 15), t], "convTranspose2d of an expanded input") {
            $0[0].expanded(to: [2, 3, 5, 4]).convTranspose2d(weight: $0[1], padding: (1, 0))
        }
    }
}
