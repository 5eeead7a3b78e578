import Testing
import TensorCore
import NN

/// Layers and losses against PyTorch 2.13, from the fixture written by
/// Tools/python/fixtures/make_nn_fixtures.py: same weights and inputs → same outputs, the same gradients of
/// `Σ output · up` for the input and every parameter, and the same BatchNorm running statistics.
///
/// Tolerance: 1e-5 relative to the largest magnitude of the expected tensor (Float32 sums of up to
/// ~60 products, computed in another order than PyTorch's, differ by a few ulps).
@Suite struct PyTorchParityTests {
    static let fixture: SafeTensorsFile? = {
        let directory = String(#filePath).split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
            separator: "/")
        return try? SafeTensors.read("\(directory)/Fixtures/nn_layers.safetensors")
    }()

    func tensor(_ name: String) throws -> Tensor {
        let file = try #require(Self.fixture, "the fixture Fixtures/nn_layers.safetensors must be readable")
        return try file.tensor(name)
    }

    func leaf(_ name: String) throws -> Tensor {
        var x = try tensor(name)
        x.requiresGrad = true
        return x
    }

    func expectMatch(
        _ actual: Tensor?, _ name: String, tolerance: Float = 1e-5,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let expected = try tensor(name)
        guard let actual else {
            Issue.record("\(name): no value (a missing gradient?)", sourceLocation: sourceLocation)
            return
        }
        #expect(
            actual.shape == expected.shape, "\(name): shape \(actual.shape) vs \(expected.shape)",
            sourceLocation: sourceLocation)
        guard actual.shape == expected.shape else { return }
        let e = expected.scalars
        let scale = Swift.max(e.map { Swift.abs($0) }.max() ?? 0, 1e-6)
        let error = maxDifference(actual.scalars, e) / scale
        #expect(error <= tolerance, "\(name): relative error \(error)", sourceLocation: sourceLocation)
    }

    /// Runs `layer` on `<prefix>.input`, back-propagates `<prefix>.up` and compares everything.
    func checkLayer(_ prefix: String, _ layer: some Layer) throws {
        let x = try leaf("\(prefix).input")
        let y = layer(x)
        try expectMatch(y, "\(prefix).output")
        (y * (try tensor("\(prefix).up"))).sum().backward()
        try expectMatch(x.grad, "\(prefix).grad.input")
        for (name, parameter) in layer.namedParameters() {
            try expectMatch(parameter.grad, "\(prefix).grad.\(name)")
        }
    }

    @Test func linear() throws {
        try checkLayer("linear", Linear(weight: try tensor("linear.weight"), bias: try tensor("linear.bias")))
    }

    @Test func convolutions() throws {
        try checkLayer(
            "conv",
            Conv2d(
                weight: try tensor("conv.weight"), bias: try tensor("conv.bias"),
                stride: (2, 2), padding: (1, 1)))
        try checkLayer(
            "conv_dilated",
            Conv2d(
                weight: try tensor("conv_dilated.weight"), bias: try tensor("conv_dilated.bias"),
                stride: (1, 2), padding: (2, 1), dilation: (2, 1)))
    }

    @Test func transposedConvolutions() throws {
        try checkLayer(
            "convt",
            ConvTranspose2d(
                weight: try tensor("convt.weight"), bias: try tensor("convt.bias"),
                stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)))
        try checkLayer(
            "convt_dilated",
            ConvTranspose2d(
                weight: try tensor("convt_dilated.weight"),
                bias: try tensor("convt_dilated.bias"), stride: (1, 2),
                padding: (0, 1), outputPadding: (0, 1), dilation: (2, 2)))
    }

    /// Two training steps (outputs, first-step gradients, running statistics) and an eval step.
    func checkBatchNorm(_ prefix: String, _ layer: some Layer, state: BatchNormState) throws {
        state.weight!.value = try tensor("\(prefix).weight")
        state.bias!.value = try tensor("\(prefix).bias")
        try checkLayer(prefix, layer)
        try expectMatch(layer(try tensor("\(prefix).input2")), "\(prefix).output2")
        try expectMatch(state.runningMean.value, "\(prefix).running_mean")
        try expectMatch(state.runningVariance.value, "\(prefix).running_var")
        try expectMatch(state.batchesTracked.value, "\(prefix).num_batches_tracked")
        layer.eval()
        try expectMatch(layer(try tensor("\(prefix).input3")), "\(prefix).output3")
    }

    @Test func batchNorm() throws {
        let bn2d = BatchNorm2d(3)
        try checkBatchNorm("bn2d", bn2d, state: bn2d.state)
        let bn1d = BatchNorm1d(3)
        try checkBatchNorm("bn1d", bn1d, state: bn1d.state)
    }

    /// Every reduction's output and its gradients with respect to input and target.
    func checkLoss(
        _ prefix: String, _ loss: (Tensor, Tensor, Reduction) -> Tensor,
        targetGradientMask: [Bool]? = nil
    ) throws {
        for reduction in Reduction.allCases {
            let name = "\(prefix).\(reduction.rawValue)"
            let x = try leaf("\(prefix).input")
            let t = try leaf("\(prefix).target")
            let value = loss(x, t, reduction)
            try expectMatch(value, "\(name).output")
            (value * (try tensor("\(name).up"))).sum().backward()
            try expectMatch(x.grad, "\(name).grad.input")
            if let mask = targetGradientMask {
                let expected = try tensor("\(name).grad.target").scalars
                let actual = t.grad!.scalars
                let kept = mask.indices.filter { mask[$0] }
                expectClose(kept.map { actual[$0] }, kept.map { expected[$0] }, tolerance: 1e-4)  // values of order 1–5
            } else {
                try expectMatch(t.grad, "\(name).grad.target")
            }
        }
    }

    @Test func losses() throws {
        try checkLoss("mse") { mseLoss($0, $1, reduction: $2) }
        try checkLoss("bcelogits") { binaryCrossEntropyWithLogits($0, $1, reduction: $2) }
        // PyTorch's target gradient log(1 − p) − log p is ±∞ where p is exactly 0 or 1; ours uses the
        // clamped logarithms of the forward pass (±100), so those elements are compared separately.
        let p = try tensor("bce.input").scalars
        try checkLoss(
            "bce", { binaryCrossEntropy($0, $1, reduction: $2) },
            targetGradientMask: p.map { $0 > 0 && $0 < 1 })
        var probabilities = try tensor("bce.input")
        probabilities.requiresGrad = false
        var target = try tensor("bce.target")
        target.requiresGrad = true
        binaryCrossEntropy(probabilities, target, reduction: .sum).backward()
        let gradient = target.grad!.scalars
        for i in p.indices where p[i] == 0 || p[i] == 1 {
            #expect(gradient[i] == (p[i] == 0 ? 100 : -100), "clamped target gradient at element \(i)")
        }
    }
}
