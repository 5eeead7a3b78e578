import TensorCore

extension BackendConformanceCheck {
    /// Runs the cases one by one and collects the outcomes.
    final class Runner {
        let test: any Backend
        let reference: any Backend
        let selects: (String) -> Bool
        let listsOnly: Bool
        let progress: (Outcome) -> Void
        var outcomes: [Outcome] = []
        /// Case names seen (all of them when listing).
        var names: [String] = []
        /// Set when a case threw: the backend under test is unusable, later cases are skipped.
        var stopped = false

        init(
            test: any Backend, reference: any Backend, selects: @escaping (String) -> Bool = { _ in true },
            listsOnly: Bool = false, progress: @escaping (Outcome) -> Void
        ) {
            self.test = test
            self.reference = reference
            self.selects = selects
            self.listsOnly = listsOnly
            self.progress = progress
        }

        func runAll() {
            fillAndCopy()
            for op in BackendConformanceCheck.unaryOps { unary(op) }
            for op in BackendConformanceCheck.binaryOps { binary(op) }
            select()
            for op in BackendConformanceCheck.reduceOps { reduce(op) }
            for d in BackendConformanceCheck.gemmCases { gemm(d) }
            for g in BackendConformanceCheck.convCases { convolution(g) }
            random()
            adam(decoupled: false)
            adam(decoupled: true)
            gradients()
        }

        /// Records the case `name` and tells whether it runs now: not when listing, after a device
        /// error, or when filtered out. Cases ask before preparing their inputs, and each case's
        /// inputs depend on its own seed only, so one case run alone sees what it sees in a full run.
        func wants(_ name: String) -> Bool {
            names.append(name)
            return !listsOnly && !stopped && selects(name)
        }

        /// Runs `body` on both backends and records the comparison as the case last asked for with
        /// ``wants(_:)``. The backend under test runs inside a tensor-checking scope, so that a
        /// device error (which a CUDA backend reports as a tensor failure) becomes this case's
        /// ``Outcome/error`` instead of a crash.
        func compare(tolerance: Float, _ body: (any Backend) -> [Float]) {
            let name = names.last ?? "unnamed case"
            let expected = body(reference)
            let start = ContinuousClock.now
            var actual: [Float] = []
            var failure: String? = nil
            do {
                actual = try withTensorChecking { body(test) }
            } catch {
                failure = "\(error)"
                stopped = true
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let outcome = Outcome(
                name: name, maxError: failure == nil ? maxRelativeError(actual, expected) : .infinity,
                tolerance: tolerance, seconds: seconds, error: failure)
            outcomes.append(outcome)
            progress(outcome)
        }

        func upload(_ values: [Float], to backend: any Backend) -> any DeviceBuffer {
            let buffer = backend.allocate(count: values.count)
            values.withUnsafeBufferPointer { backend.upload($0, to: buffer, offset: 0) }
            return buffer
        }

        /// A tensor of `shape` holding `values` on exactly `backend` (which the registry need not
        /// serve: the backend under test may be one of several for a device, or a test double).
        func tensor(_ shape: [Int], _ values: [Float], on backend: any Backend) -> Tensor {
            Tensor(
                storage: TensorStorage(buffer: upload(values, to: backend), backend: backend),
                layout: StridedLayout(contiguous: shape))
        }

        func download(_ buffer: any DeviceBuffer, from backend: any Backend) -> [Float] {
            var out = [Float](repeating: 0, count: buffer.count)
            out.withUnsafeMutableBufferPointer { backend.download(buffer, offset: 0, into: $0) }
            return out
        }

        func fillAndCopy() {
            guard wants("fill + strided copy") else { return }
            var values = DeterministicValues(seed: 21)
            let source = values.array(10_007)
            let view = StridedLayout(shape: [97, 103], strides: [1, 97], offset: 6)
            compare(tolerance: 0) { backend in
                let input = upload(source, to: backend)
                let out = backend.allocate(count: 97 * 103 + 5)
                backend.fill(out, offset: 97 * 103, count: 5, value: 3.25)
                backend.copy(input, view, to: out, StridedLayout(contiguous: [97, 103]))
                return download(out, from: backend)
            }
        }

        func unary(_ op: UnaryOp) {
            guard wants("unary \(op)") else { return }
            var values = DeterministicValues(seed: 22)
            var input = values.array(100_003, in: -20...20)
            switch op {
            case .log: input = input.map { abs($0) + 1e-3 }
            case .sqrt, .powScalar: input = input.map { abs($0) }
            default: break
            }
            // Read through a strided view: every other element of a twice-as-long buffer.
            let doubled = input.flatMap { value -> [Float] in [value, -1] }
            let layout = StridedLayout(shape: [input.count], strides: [2])
            // Square roots are IEEE-rounded on both sides (sqrt.rn.f32 in the PTX): identical.
            let exact = op == .sqrt || op == .powScalar(0.5)
            compare(tolerance: exact ? 0 : 2e-6) { backend in
                let out = backend.allocate(count: input.count)
                backend.unary(op, upload(doubled, to: backend), layout, into: out)
                return download(out, from: backend)
            }
        }

        func binary(_ op: BinaryOp) {
            guard wants("binary \(op) (broadcast [512] over [128, 512])") else { return }
            var values = DeterministicValues(seed: 23)
            let a = values.array(128 * 512, in: 0.1...3).map { ($0 * 16).rounded() / 16 }  // equal pairs for comparisons
            let b = values.array(512, in: 0.1...3).map { ($0 * 16).rounded() / 16 }
            let aLayout = StridedLayout(contiguous: [128, 512])
            let bLayout = StridedLayout(shape: [128, 512], strides: [0, 1])
            compare(tolerance: 2e-6) { backend in
                let out = backend.allocate(count: a.count)
                backend.binary(op, upload(a, to: backend), aLayout, upload(b, to: backend), bLayout, into: out)
                return download(out, from: backend)
            }
        }

        func select() {
            guard wants("select") else { return }
            var values = DeterministicValues(seed: 24)
            let condition = values.array(5000).map { $0 > 0 ? Float(1) : 0 }
            let a = values.array(5000), b = values.array(1)
            let dense = StridedLayout(contiguous: [5000])
            compare(tolerance: 0) { backend in
                let out = backend.allocate(count: 5000)
                backend.select(
                    upload(condition, to: backend), dense, upload(a, to: backend), dense,
                    upload(b, to: backend), StridedLayout(shape: [5000], strides: [0]), into: out)
                return download(out, from: backend)
            }
        }

        func reduce(_ op: ReduceOp) {
            for (outer, extent, inner) in [(1, 1_000_003, 1), (128, 1024, 1), (3, 777, 5), (1, 128, 4096), (64, 1, 1)] {
                guard wants("reduce \(op) [\(outer), \(extent), \(inner)]") else { continue }
                var values = DeterministicValues(seed: 25 &+ UInt64(outer * 1_000_003 + extent * 7 + inner))
                let x = values.array(outer * extent * inner).map { ($0 * 8).rounded() / 8 }  // ties
                compare(tolerance: 1e-6) { backend in
                    let out = backend.allocate(count: outer * inner)
                    backend.reduce(op, upload(x, to: backend), offset: 0, outer: outer, extent: extent, inner: inner, into: out)
                    return download(out, from: backend)
                }
            }
        }

        func gemm(_ d: GemmDescriptor) {
            guard wants(BackendConformanceCheck.describe(d)) else { return }
            let (a, b, c) = BackendConformanceCheck.gemmInputs(d)
            compare(tolerance: 1e-4) { backend in
                let out = upload(c, to: backend)
                backend.gemm(d, a: upload(a, to: backend), b: upload(b, to: backend), c: out)
                return download(out, from: backend)
            }
        }

        func convolution(_ g: ConvGeometry) {
            guard wants(BackendConformanceCheck.describe(g)) else { return }
            var values = DeterministicValues(seed: 26)
            let input = values.array(g.inputShape.reduce(1, *)), weight = values.array(g.weightShape.reduce(1, *))
            let gradOutput = values.array(g.outputShape.reduce(1, *))
            // ReLU outputs (zero where the values are negative) masking the fused variants, and biases.
            let (outputMask, inputMask) = (gradOutput.map { Swift.max($0, 0) }, input.map { Swift.max($0, 0) })
            let (outputBias, inputBias) = (values.array(g.outChannels), values.array(g.inChannels))
            compare(tolerance: 1e-4) { backend in
                let (x, w, dy) = (upload(input, to: backend), upload(weight, to: backend), upload(gradOutput, to: backend))
                let output = backend.allocate(count: gradOutput.count)
                let gradInput = backend.allocate(count: input.count)
                let gradWeight = backend.allocate(count: weight.count)
                let (maskedOutput, maskedGradInput) = (
                    backend.allocate(count: gradOutput.count), backend.allocate(count: input.count)
                )
                let (activated, activatedGradInput) = (
                    backend.allocate(count: gradOutput.count), backend.allocate(count: input.count)
                )
                backend.conv2dForward(g, input: x, weight: w, into: output)
                backend.conv2dBackwardInput(g, gradOutput: dy, weight: w, into: gradInput)
                backend.conv2dBackwardWeight(g, input: x, gradOutput: dy, into: gradWeight)
                backend.conv2dForward(
                    g, input: x, weight: w, into: maskedOutput, epilogue: ConvEpilogue(mask: upload(outputMask, to: backend)))
                backend.conv2dBackwardInput(
                    g, gradOutput: dy, weight: w, into: maskedGradInput,
                    epilogue: ConvEpilogue(mask: upload(inputMask, to: backend)))
                backend.conv2dForward(
                    g, input: x, weight: w, into: activated,
                    epilogue: ConvEpilogue(bias: upload(outputBias, to: backend), relu: true))
                backend.conv2dBackwardInput(
                    g, gradOutput: dy, weight: w, into: activatedGradInput,
                    epilogue: ConvEpilogue(bias: upload(inputBias, to: backend), relu: true))
                // A layer's gradients in one call, the product with an epilogue, the bias summed.
                let (pairedOutput, pairedGradInput) = (
                    backend.allocate(count: gradOutput.count), backend.allocate(count: input.count)
                )
                let (weightWithForward, weightWithInput) = (
                    backend.allocate(count: weight.count), backend.allocate(count: weight.count)
                )
                let (biasOfInput, biasOfOutput) = (backend.allocate(count: g.inChannels), backend.allocate(count: g.outChannels))
                backend.conv2dGradients(
                    g, input: x, gradOutput: dy, weightGradient: weightWithForward,
                    biasGradient: ConvBiasGradient(result: biasOfInput, ofInput: true),
                    product: .forward(
                        weight: w, result: pairedOutput, epilogue: ConvEpilogue(mask: upload(outputMask, to: backend))))
                backend.conv2dGradients(
                    g, input: x, gradOutput: dy, weightGradient: weightWithInput,
                    biasGradient: ConvBiasGradient(result: biasOfOutput, ofInput: false),
                    product: .inputGradient(
                        weight: w, result: pairedGradInput,
                        epilogue: ConvEpilogue(bias: upload(inputBias, to: backend), relu: true)))
                return download(output, from: backend) + download(gradInput, from: backend) + download(gradWeight, from: backend)
                    + download(maskedOutput, from: backend) + download(maskedGradInput, from: backend)
                    + download(activated, from: backend) + download(activatedGradInput, from: backend)
                    + download(pairedOutput, from: backend) + download(weightWithForward, from: backend)
                    + download(pairedGradInput, from: backend) + download(weightWithInput, from: backend)
                    + download(biasOfInput, from: backend) + download(biasOfOutput, from: backend)
            }
        }

        func random() {
            let key = PhiloxKey(seed: 2024, stream: 3)
            if wants("random uniform (identical numbers)") {
                compare(tolerance: 0) { backend in
                    let out = backend.allocate(count: 1_000_001)
                    backend.fillRandom(out, count: out.count, distribution: .uniform(low: -0.5, high: 0.5), key: key, counter: 17)
                    return download(out, from: backend)
                }
            }
            guard wants("random normal") else { return }
            compare(tolerance: 1e-6) { backend in
                let out = backend.allocate(count: 999_999)
                backend.fillRandom(out, count: out.count, distribution: .normal(mean: 1, std: 0.1), key: key, counter: 0)
                return download(out, from: backend)
            }
        }

        func adam(decoupled: Bool) {
            guard wants("adam step\(decoupled ? " (decoupled decay)" : " (L2 decay)") identical") else { return }
            var values = DeterministicValues(seed: 27)
            let count = 250_001
            let inputs = [
                values.array(count), values.array(count), values.array(count, in: -0.1...0.1),
                values.array(count, in: 0...0.01),
            ]
            let hyper = AdamHyperparameters(learningRate: 1e-3, weightDecay: 0.01, decoupledWeightDecay: decoupled, step: 10)
            // The kernel does the CPU's float operations in the CPU's order, with IEEE square roots.
            compare(tolerance: 0) { backend in
                let buffers = inputs.map { upload($0, to: backend) }
                backend.adamStep(
                    parameter: buffers[0], gradient: buffers[1], firstMoment: buffers[2],
                    secondMoment: buffers[3], count: count, hyper: hyper)
                return download(buffers[0], from: backend) + download(buffers[2], from: backend)
                    + download(buffers[3], from: backend)
            }
        }

        /// Loss and gradients of conv → relu → reshape → matmul → tanh → sum, built with Tensor
        /// operations (so every gradient rule runs on the backend).
        func gradients() {
            guard wants("gradients of conv2d → relu → matmul → tanh → sum") else { return }
            var values = DeterministicValues(seed: 28)
            let (x, w1, w2) = (values.array(4 * 144), values.array(54), values.array(6 * 36 * 5))
            compare(tolerance: 1e-4) { backend in
                var tx = tensor([4, 1, 12, 12], x, on: backend)
                var tw1 = tensor([6, 1, 3, 3], w1, on: backend)
                var tw2 = tensor([6 * 36, 5], w2, on: backend)
                tx.requiresGrad = true; tw1.requiresGrad = true; tw2.requiresGrad = true
                let hidden = tx.conv2d(weight: tw1, stride: (2, 2), padding: (1, 1)).relu()
                let loss = (hidden.reshaped([4, 6 * 36]).matmul(tw2).tanh() * tensor([], [3], on: backend))
                    .sum()
                loss.backward()
                return loss.scalars + (tx.grad?.scalars ?? []) + (tw1.grad?.scalars ?? []) + (tw2.grad?.scalars ?? [])
            }
        }
    }
}
