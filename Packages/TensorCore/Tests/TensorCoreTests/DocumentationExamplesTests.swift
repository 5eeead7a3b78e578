import Testing
import TensorCore
import TensorCoreTesting

// The examples of TensorCore.docc/GettingStarted.md (and of the packages table in
// README.md), line for line, with their printed results checked.
@Suite struct DocumentationExamplesTests {
    let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])

    @Test func tensors() {
        let shifted = x * 2 - 1  // [[1, 3, 5], [7, 9, 11]]
        let columnSums = x.sum(axes: [0])  // [5, 7, 9]
        let gram = x.matmul(x.transposed(0, 1))  // [2, 2]: [[14, 32], [32, 77]]
        #expect(shifted.scalars == [1, 3, 5, 7, 9, 11])
        #expect(columnSums.scalars == [5, 7, 9])
        #expect("\(gram.shape) \(gram.scalars)" == "[2, 2] [14.0, 32.0, 32.0, 77.0]")
    }

    @Test func gradients() {
        var w = Tensor(shape: [3, 1], scalars: [0.5, -1, 2])
        w.requiresGrad = true
        let residual = x.matmul(w) - 1  // [2, 1]: [[3.5], [8]]
        let loss = (residual * residual).sum()  // 3.5² + 8² = 76.25
        loss.backward()
        #expect(residual.scalars == [3.5, 8])
        #expect(loss.item() == 76.25)
        #expect(w.grad!.scalars == [71, 94, 117])  // 2·xᵀ·residual
    }

    @Test func gradientCheck() {
        let result = checkGradients(at: [Tensor(shape: [4], scalars: [0.3, -1.2, 2, 0.7])]) { inputs in
            (inputs[0].tanh() * inputs[0]).sum()
        }
        #expect(result.passed, "\(result)")
    }

    @Test func mistakesBecomeMessages() {
        var op: String?
        var kind: TensorError.Kind?
        do {
            _ = try withTensorChecking { x.matmul(x) }  // [2, 3] · [2, 3]
        } catch let error as TensorError {
            op = error.op
            kind = error.kind
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(op == "matmul")
        #expect(kind == .shapeMismatch)
    }

    @Test func reproducibleRandomness() {
        let noise = Tensor.randn([2, 3], generator: RandomGenerator(seed: 7))
        let again = Tensor.randn([2, 3], generator: RandomGenerator(seed: 7))
        #expect(noise.scalars == again.scalars)
    }

    /// TensorCore's tests link no GPU backend, so `cuda:0` is unavailable here, with the reason.
    @Test func devices() throws {
        let device = try Device(parsing: "cuda:0")
        var message = ""
        do {
            let onGPU = try x.to(device)
            Issue.record("cuda:0 is available without CUDABackend: \(onGPU.device)")
        } catch {
            message = "\(error)"
        }
        #expect(
            message == "device cuda:0 unavailable: no backend is registered for cuda devices; "
                + "add the CUDABackend package and call CUDABackend.register()")
        #expect("\(BackendRegistry.shared.availableDevices())" == "[cpu]")
    }
}

/// TensorCore's example in README.md, line for line.
@Test func readmeTensorCoreExample() {
    let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    var w = Tensor(shape: [3, 1], scalars: [0.5, -1, 2])
    w.requiresGrad = true
    let residual = x.matmul(w) - 1
    let loss = (residual * residual).sum()  // 76.25
    loss.backward()
    #expect(loss.item() == 76.25)
    #expect("\(w.grad!.scalars)" == "[71.0, 94.0, 117.0]")
}
