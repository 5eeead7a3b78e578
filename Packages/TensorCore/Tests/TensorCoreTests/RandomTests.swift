import CTensorKernels
import DeepTrustSystem
import Testing
import TensorCore

/// Sample mean and (population) variance in Float64.
private func moments(_ values: [Float]) -> (mean: Double, variance: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0.0) { $0 + Double($1) } / n
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
    return (mean, variance)
}

/// Index of the first element where `a` and `b` differ (or where one ends), `nil` when equal;
/// keeps failure messages short for long arrays.
func firstMismatch(_ a: [Float], _ b: [Float]) -> Int? {
    if let i = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) { return i }
    return a.count == b.count ? nil : min(a.count, b.count)
}

/// The words of the numbering: element `i` is word `i % 4` of block `counter + i / 4` of `key`.
private func word(_ i: Int, key: PhiloxKey, counter: UInt64) -> UInt32 {
    let block = PhiloxStream.block(key: key, counter: counter + UInt64(i / 4))
    return [block.0, block.1, block.2, block.3][i % 4]
}

@Suite struct RandomFillTests {
    // 10⁵ samples. Bounds are 5 standard errors of each statistic, so a correct generator fails
    // with probability below 10⁻⁶ per check:
    // uniform on [0,1): SE(mean) = √(1/12)/√n = 9.1e-4; SE(variance) = √((1/80 − 1/144)/n) = 2.4e-4.
    @Test func uniformStatistics() {
        let n = 100_000
        let values = Tensor.rand([n], generator: RandomGenerator(seed: 1)).scalars
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let (mean, variance) = moments(values)
        #expect(abs(mean - 0.5) < 5 * 9.2e-4)
        #expect(abs(variance - 1.0 / 12) < 5 * 2.4e-4)
        // Every tenth of the range gets 10% ± 5·SE (SE = √(0.09/n) = 9.5e-4).
        var deciles = [Int](repeating: 0, count: 10)
        for v in values { deciles[min(Int(v * 10), 9)] += 1 }
        #expect(deciles.allSatisfy { abs(Double($0) / Double(n) - 0.1) < 5 * 9.5e-4 }, "\(deciles)")
    }

    // Scaled to [−3, 5): mean 1, variance 64/12; SEs scale by 8 and 64.
    @Test func uniformRangeStatistics() {
        let values = Tensor.rand([100_000], low: -3, high: 5, generator: RandomGenerator(seed: 2)).scalars
        #expect(values.allSatisfy { $0 >= -3 && $0 < 5 })
        let (mean, variance) = moments(values)
        #expect(abs(mean - 1) < 5 * 8 * 9.2e-4)
        #expect(abs(variance - 64.0 / 12) < 5 * 64 * 2.4e-4)
    }

    // N(2, 3²): SE(mean) = 3/√n = 9.5e-3; SE(variance) = 9·√(2/n) = 0.040;
    // P(|x − μ| < σ) = 0.6827 with SE √(p(1−p)/n) = 1.5e-3; no value beyond r_max = √(−2 ln 2⁻²⁴) = 5.77σ.
    @Test func normalStatistics() {
        let n = 100_000
        let values = Tensor.randn([n], mean: 2, std: 3, generator: RandomGenerator(seed: 3)).scalars
        let (mean, variance) = moments(values)
        #expect(abs(mean - 2) < 5 * 9.5e-3)
        #expect(abs(variance - 9) < 5 * 0.040)
        let withinOne = Double(values.filter { abs($0 - 2) < 3 }.count) / Double(n)
        #expect(abs(withinOne - 0.682_689) < 5 * 1.5e-3)
        #expect(values.allSatisfy { abs($0 - 2) <= 3 * 5.78 })
    }

    @Test func uniformFollowsTheNumberingOnEveryPath() {
        // 1003 elements from a block counter just below 2³², so the low counter word wraps and
        // carries into the high word inside a SIMD group.
        let first: UInt64 = 0xFFFF_FFF0
        let key = PhiloxKey(seed: 0xDEC0DE, stream: 7)
        let expected = (0..<1003).map { i in -1 + 2 * (Float(word(i, key: key, counter: first) >> 8) * 0x1p-24) }
        for isa in CPUBackend.supportedInstructionSets {
            for threads in [1, 2] {
                let generator = RandomGenerator(seed: 0xDEC0DE)
                generator.setOffset(first, stream: 7)
                let (k, counter) = generator.reserve(count: 1003, stream: 7)
                let values = CPUBackend.withKernelSettings(instructionSet: isa, threads: threads) { () -> [Float] in
                    let t = Tensor.zeros([1003])
                    t.backend.fillRandom(
                        t.storage.buffer, count: 1003, distribution: .uniform(low: -1, high: 1),
                        key: k, counter: counter)
                    return t.scalars
                }
                #expect(firstMismatch(values, expected) == nil, "\(isa), \(threads) threads")
            }
        }
    }

    @Test func normalFollowsTheNumbering() {
        let generator = RandomGenerator(seed: 99)
        let values = Tensor.randn([23], mean: 0.5, std: 2, generator: generator).scalars
        let key = PhiloxKey(seed: 99, stream: 0)
        for i in 0..<23 {
            let pairStart = i - i % 2
            let u1 = Double((word(pairStart, key: key, counter: 0) >> 8) + 1) * 0x1p-24
            let u2 = Double(word(pairStart + 1, key: key, counter: 0) >> 8) * 0x1p-24
            let r = (-2 * log(u1)).squareRoot()
            let n = i % 2 == 0 ? r * cos(6.283185307179586 * u2) : r * sin(6.283185307179586 * u2)
            #expect(values[i] == Float(0.5 + 2 * n), "element \(i)")
        }
    }

    @Test func sameSeedSameNumbersAcrossThreadCounts() {
        let n = 300_001  // odd, several chunks per thread at the pool's grain
        for distribution in ["uniform", "normal"] {
            var results: [[Float]] = []
            for threads in [1, 2, 3] {
                let values = CPUBackend.withKernelSettings(threads: threads) {
                    distribution == "uniform"
                        ? Tensor.rand([n], low: -2, high: 7, generator: RandomGenerator(seed: 5)).scalars
                        : Tensor.randn([n], generator: RandomGenerator(seed: 5)).scalars
                }
                results.append(values)
            }
            #expect(
                firstMismatch(results[0], results[1]) == nil && firstMismatch(results[0], results[2]) == nil,
                "\(distribution)")
            #expect(Set(results[0]).count > n / 2, "\(distribution) values are not degenerate")
        }
    }

    @Test func kernelRangesAreSplitInvariant() {
        let n = 1003
        var whole = [Float](repeating: 0, count: n), split = [Float](repeating: 0, count: n)
        for isa in CPUBackend.supportedInstructionSets {
            for normal in [false, true] {
                let fill = normal ? dt_fill_normal_range : dt_fill_uniform_range
                CPUBackend.withKernelSettings(instructionSet: isa) {
                    fill(&whole, 0, n, 11, 3, 77, 0, 1)
                    for (begin, end) in [(0, 1), (1, 6), (6, 7), (7, 45), (45, 500), (500, 1003)] {
                        split.withUnsafeMutableBufferPointer { fill($0.baseAddress!, begin, end, 11, 3, 77, 0, 1) }
                    }
                }
                #expect(firstMismatch(whole, split) == nil, "\(normal ? "normal" : "uniform"), \(isa)")
            }
        }
    }

    @Test func differentSeedsAndStreamsDiffer() {
        let a = Tensor.rand([64], generator: RandomGenerator(seed: 1)).scalars
        let b = Tensor.rand([64], generator: RandomGenerator(seed: 2)).scalars
        #expect(a != b)
        let s0 = RandomGenerator(seed: 1).reserve(count: 4, stream: 0)
        let s1 = RandomGenerator(seed: 1).reserve(count: 4, stream: 1)
        #expect(word(0, key: s0.key, counter: s0.counter) != word(0, key: s1.key, counter: s1.counter))
    }

    @Test func uniformNeverReachesHigh() {
        // On [1, 1⁺) (one ulp wide) low + (high − low)·u rounds up to `high` for every u > 1/2:
        // those results must become the largest Float below `high`, i.e. `low`.
        let one = Tensor.rand([1000], low: 1, high: Float(1).nextUp, generator: RandomGenerator(seed: 8)).scalars
        #expect(one.allSatisfy { $0 == 1 })
        let values = Tensor.rand([100_000], low: 0.1, high: 0.3, generator: RandomGenerator(seed: 8)).scalars
        #expect(values.allSatisfy { $0 >= 0.1 && $0 < 0.3 })
        let degenerate = Tensor.rand([5], low: 2, high: 2, generator: RandomGenerator(seed: 8)).scalars
        #expect(degenerate == [2, 2, 2, 2, 2])
    }
}

@Suite struct RandomGeneratorTests {
    @Test func drawsAdvanceByWholeBlocks() {
        let generator = RandomGenerator(seed: 4)
        _ = Tensor.rand([5], generator: generator)
        #expect(generator.offset() == 2)
        _ = Tensor.randn([2, 2], generator: generator)
        #expect(generator.offset() == 3)
        _ = Tensor.rand([0], generator: generator)
        #expect(generator.offset() == 3)
        #expect(generator.offset(stream: 9) == 0)
    }

    @Test func consecutiveDrawsContinueTheStream() {
        let split = RandomGenerator(seed: 12)
        let first = Tensor.rand([8], generator: split).scalars
        let second = Tensor.rand([2, 4], generator: split).scalars
        let whole = Tensor.rand([16], generator: RandomGenerator(seed: 12)).scalars
        #expect(first + second == whole)
    }

    @Test func offsetsReplayAndSnapshotsRestore() {
        let generator = RandomGenerator(seed: 21)
        _ = Tensor.randn([10], generator: generator)
        let saved = generator.snapshot
        let a = Tensor.randn([6], generator: generator).scalars
        generator.snapshot = saved
        let b = Tensor.randn([6], generator: generator).scalars
        #expect(a == b)
        generator.setOffset(saved.offsets[0] ?? 0)
        #expect(Tensor.randn([6], generator: generator).scalars == a)
        generator.reseed(21)
        #expect(generator.offset() == 0)
        #expect(generator.seed == 21)
    }

    @Test func concurrentDrawsNeverOverlap() async {
        let generator = RandomGenerator(seed: 31)
        let counters = await withTaskGroup(of: UInt64.self) { group in
            for _ in 0..<64 { group.addTask { generator.reserve(count: 10).counter } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(counters).count == 64)
        #expect(counters.sorted() == Array(stride(from: 0, to: 192, by: 3)))
        #expect(generator.offset() == 192)
    }

    @Test func hostStreamsReserveTheirBlocks() {
        let generator = RandomGenerator(seed: 17)
        var stream = generator.makeStream(blocks: 2, stream: 5)
        #expect(generator.offset(stream: 5) == 2)
        let words = (0..<8).map { _ in stream.nextUInt32() }
        let key = PhiloxKey(seed: 17, stream: 5)
        #expect(words == (0..<8).map { word($0, key: key, counter: 0) })
        var next = generator.makeStream(blocks: 1, stream: 5)
        #expect(next.nextUInt32() == word(0, key: key, counter: 2))
    }

    @Test func makeDeterministicSeedsTheDefaultGenerator() {
        makeDeterministic(seed: 1234)
        #expect(RandomGenerator.default.seed == 1234)
        #expect(Determinism.seed == 1234 && Determinism.isRequested)
        let (key, _) = RandomGenerator.default.reserve(count: 4)
        #expect(key.seed == 1234)
    }

    @Test func likeAndDeviceVariants() throws {
        let base = Tensor.zeros([3, 5])
        let u = Tensor.rand(like: base, low: 1, high: 2, generator: RandomGenerator(seed: 1))
        #expect(u.shape == [3, 5] && u.device == .cpu)
        #expect(u.scalars == Tensor.rand([3, 5], low: 1, high: 2, generator: RandomGenerator(seed: 1)).scalars)
        let n = Tensor.randn([4], generator: RandomGenerator(seed: 2), device: .cpu)
        #expect(n.scalars == Tensor.randn(like: Tensor.zeros([4]), generator: RandomGenerator(seed: 2)).scalars)
        if !BackendRegistry.shared.isAvailable(.cuda(0)) {
            #expect(throws: DeviceError.self) { try Device.cuda(0).checkAvailable() }
        }
    }

    @Test func invalidArgumentsAreReported() {
        #expect(throws: TensorError.self) { try withTensorChecking { Tensor.rand([2], low: 1, high: 0) } }
        #expect(throws: TensorError.self) { try withTensorChecking { Tensor.rand([2], low: 0, high: .infinity) } }
        #expect(throws: TensorError.self) { try withTensorChecking { Tensor.randn([2], std: -1) } }
        #expect(throws: TensorError.self) { try withTensorChecking { Tensor.randn([-1, 2]) } }
    }

    @Test func permutationIsAPermutationAndSeeded() {
        var a = PhiloxStream(key: PhiloxKey(seed: 5, stream: 1))
        var b = PhiloxStream(key: PhiloxKey(seed: 5, stream: 1))
        var c = PhiloxStream(key: PhiloxKey(seed: 5, stream: 2))
        let p = a.permutation(of: 1000)
        #expect(p.sorted() == Array(0..<1000))
        #expect(p == b.permutation(of: 1000))
        #expect(p != c.permutation(of: 1000))
        #expect(p != Array(0..<1000))
        var d = PhiloxStream(key: PhiloxKey(seed: 1))
        #expect(d.permutation(of: 0).isEmpty && d.permutation(of: 1) == [0])
    }
}
