import CTensorKernels
import Testing
import TensorCore

/// The fused Adam kernel against a plain Swift loop doing the same Float32 operations (Swift never
/// fuses a multiply and an add by itself), on odd sizes, every instruction-set path this CPU has,
/// and several thread counts: all must agree bit for bit.
@Suite struct AdamKernelTests {
    struct Inputs {
        var p: [Float], g: [Float], m: [Float], v: [Float]
        init(count n: Int, seed: UInt64) {
            let generator = RandomGenerator(seed: seed)
            p = Tensor.randn([n], generator: generator).scalars
            g = Tensor.randn([n], std: 3, generator: generator).scalars
            m = Tensor.randn([n], std: 0.1, generator: generator).scalars
            v = Tensor.rand([n], low: 0, high: 2, generator: generator).scalars
            if n > 3 { g[1] = 0; v[1] = 0; m[1] = 0 }  // exercises the ε-only denominator
        }
    }

    static func reference(_ x: Inputs, _ h: AdamHyperparameters) -> Inputs {
        var r = x
        for i in x.p.indices {
            var p = x.p[i], g = x.g[i]
            if h.gradientWeightDecay != 0 { g = g + h.gradientWeightDecay * p }
            if h.decoupledDecayFactor != 1 { p = p * h.decoupledDecayFactor }
            let m = x.m[i] + h.beta1Complement * (g - x.m[i])
            let v = x.v[i] * h.beta2 + h.beta2Complement * (g * g)
            let denominator = v.squareRoot() / h.biasCorrection2Sqrt + h.epsilon
            r.p[i] = p - h.stepSize * (m / denominator)
            r.m[i] = m
            r.v[i] = v
        }
        return r
    }

    static func run(_ x: Inputs, _ h: AdamHyperparameters) -> Inputs {
        let backend = CPUBackend.shared
        let n = x.p.count
        let tensors = [x.p, x.g, x.m, x.v].map { Tensor(shape: [n], scalars: $0) }
        backend.adamStep(
            parameter: tensors[0].storage.buffer, gradient: tensors[1].storage.buffer,
            firstMoment: tensors[2].storage.buffer, secondMoment: tensors[3].storage.buffer,
            count: n, hyper: h)
        var r = x
        r.p = tensors[0].scalars; r.m = tensors[2].scalars; r.v = tensors[3].scalars
        return r
    }

    static let settings = [
        AdamHyperparameters(learningRate: 1e-3, step: 1),
        AdamHyperparameters(learningRate: 0.01, beta1: 0.8, beta2: 0.99, weightDecay: 0.1, step: 7),
        AdamHyperparameters(learningRate: 0.01, weightDecay: 0.05, decoupledWeightDecay: true, step: 3),
    ]

    // 140,003 elements span more than two of the pool's 65,536-element chunks.
    @Test(arguments: [1, 7, 33, 1000, 140_003])
    func matchesPlainLoopOnEveryPathAndThreadCount(count: Int) {
        let inputs = Inputs(count: count, seed: UInt64(count))
        for (k, hyper) in Self.settings.enumerated() {
            let expected = Self.reference(inputs, hyper)
            for isa in CPUBackend.supportedInstructionSets {
                for threads in count > 100_000 ? [1, 3] : [1] {
                    let result = CPUBackend.withKernelSettings(instructionSet: isa, threads: threads) { Self.run(inputs, hyper) }
                    #expect(
                        firstMismatch(result.p, expected.p) == nil && firstMismatch(result.m, expected.m) == nil
                            && firstMismatch(result.v, expected.v) == nil,
                        "n \(count), settings \(k), \(isa), \(threads) threads")
                }
            }
        }
    }

    @Test func derivedScalarsFollowPyTorch() {
        let h = AdamHyperparameters(
            learningRate: 1e-3, beta1: 0.9, beta2: 0.999, weightDecay: 0.01,
            decoupledWeightDecay: true, step: 3)
        // Python: lr / (1 - 0.9**3), (1 - 0.999**3) ** 0.5, 1 - 1e-3 * 0.01, 1 - 0.9, 1 - 0.999.
        #expect(h.stepSize == Float(1e-3 / (1 - 0.9 * 0.9 * 0.9)))
        #expect(h.biasCorrection2Sqrt == Float((1 - 0.999 * 0.999 * 0.999).squareRoot()))
        #expect(h.decoupledDecayFactor == Float(1 - 1e-3 * 0.01))
        #expect(h.gradientWeightDecay == 0)
        #expect(h.beta1Complement == Float(1 - 0.9) && h.beta2Complement == Float(1 - 0.999))
        let l2 = AdamHyperparameters(learningRate: 1e-3, weightDecay: 0.01, step: 1)
        #expect(l2.gradientWeightDecay == 0.01 && l2.decoupledDecayFactor == 1)
    }
}
