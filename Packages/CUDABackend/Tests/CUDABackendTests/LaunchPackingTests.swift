@testable import CUDABackend
import Testing
import TensorCore

/// The host side of a launch: the kernelParams array, grid sizes, and the strided geometry block.
@Suite struct LaunchPackingTests {
    @Test func argumentsArePackedAtTheirAlignment() {
        var geometry = ParameterBlock(.geometry)
        geometry.storeUInt32(7, at: 324)
        let arguments: [KernelArgument] = [
            .block(geometry), .pointer(0xDEAD_BEEF_0000), .pointer(0x1234), .u32(9),
            .f32(1.5), .f32(-2),
        ]
        let packed = PackedKernelArguments(arguments, for: Kernels.unary)
        #expect(packed.offsets == [0, 328, 336, 344, 348, 352])
        #expect(packed.byteCount == 356)
        packed.withParameterArray { parameters in
            #expect(parameters[0]!.load(fromByteOffset: 324, as: UInt32.self) == 7)
            #expect(parameters[1]!.load(as: UInt64.self) == 0xDEAD_BEEF_0000)
            #expect(parameters[2]!.load(as: UInt64.self) == 0x1234)
            #expect(parameters[3]!.load(as: UInt32.self) == 9)
            #expect(parameters[4]!.load(as: Float.self) == 1.5)
            #expect(parameters[5]!.load(as: Float.self) == -2)
            for index in 0..<6 {
                let address = UInt(bitPattern: parameters[index]!)
                #expect(address % UInt(Kernels.unary.parameters[index].alignment) == 0, "parameter \(index) misaligned")
            }
        }
    }

    @Test func philoxArgumentsPutU64sOnEightByteBoundaries() {
        let arguments: [KernelArgument] = [
            .pointer(1), .u32(5), .u64(0x0102_0304_0506_0708), .u64(2), .u64(3), .u32(1),
            .f32(0), .f32(1),
        ]
        let packed = PackedKernelArguments(arguments, for: Kernels.philoxFill)
        #expect(packed.offsets == [0, 8, 16, 24, 32, 40, 44, 48])
        packed.withParameterArray { parameters in
            #expect(parameters[2]!.load(as: UInt64.self) == 0x0102_0304_0506_0708)
        }
    }

    @Test func linearGridsCoverOddCounts() {
        for (items, blocks) in [(1, 1), (255, 1), (256, 1), (257, 2), (1000, 4), (65_536 * 256, 65_536), (1 << 30, 65_536)] {
            let (grid, block) = LaunchConfiguration.linear(items: items)
            #expect(grid == LaunchDimensions(x: UInt32(blocks)), "\(items) items")
            #expect(block == LaunchDimensions(x: 256))
        }
        #expect(LaunchConfiguration.rows(3).grid == LaunchDimensions(x: 3))
        #expect(LaunchConfiguration.rows(100_000).grid == LaunchDimensions(x: 65_536))
    }

    @Test func gemmGridsTileTheOutput() {
        let (grid, block) = LaunchConfiguration.gemm(m: 65, n: 1, batch: 70_000)
        #expect(grid == LaunchDimensions(x: 1, y: 2, z: 65_535))
        #expect(block == LaunchDimensions(x: 256))
        #expect(LaunchConfiguration.gemm(m: 128, n: 129, batch: 1).grid == LaunchDimensions(x: 3, y: 2, z: 1))
    }

    @Test func contiguousLayoutsCollapseToRankOne() {
        let shape = [2, 3, 4]
        let geometry = ElementwiseGeometry([StridedLayout(contiguous: shape), StridedLayout(contiguous: shape, offset: 5)])
        #expect(geometry.shape == [24])
        #expect(geometry.strides == [[1], [1]])
        #expect(geometry.offsets == [0, 5])
    }

    @Test func broadcastAndTransposedLayoutsKeepTheirDimensions() {
        let out = StridedLayout(contiguous: [4, 1, 3])
        let row = StridedLayout(shape: [4, 1, 3], strides: [0, 0, 1])  // a [3] vector broadcast over 4 rows
        let transposed = StridedLayout(shape: [4, 1, 3], strides: [1, 0, 4])  // a transposed [3, 4] matrix
        let geometry = ElementwiseGeometry([out, row, transposed])
        #expect(geometry.shape == [4, 3])
        #expect(geometry.strides == [[3, 1], [0, 1], [1, 4]])
        let scalar = ElementwiseGeometry([StridedLayout(contiguous: []), StridedLayout(contiguous: [])])
        #expect(scalar.shape == [1])
        #expect(scalar.count == 1)
    }

    @Test func geometryBlockMatchesTheCStruct() {
        let geometry = ElementwiseGeometry([
            StridedLayout(contiguous: [5, 7]),
            StridedLayout(shape: [5, 7], strides: [1, 5], offset: 3),
        ])
        let block = geometry.parameterBlock
        #expect(block.bytes.count == 328)
        #expect(block.loadInt64(at: 0) == 7)  // strides[0][0]
        #expect(block.loadInt64(at: 8) == 1)  // strides[0][1]
        #expect(block.loadInt64(at: 64) == 1)  // strides[1][0]
        #expect(block.loadInt64(at: 72) == 5)  // strides[1][1]
        #expect(block.loadInt64(at: 264) == 3)  // offsets[1]
        #expect(block.loadUInt32(at: 288) == 5)  // shape[0]
        #expect(block.loadUInt32(at: 292) == 7)  // shape[1]
        #expect(block.loadUInt32(at: 320) == 2)  // rank
        #expect(block.loadUInt32(at: 324) == 35)  // count
    }

    /// Splitting by rank or count must visit every element exactly once, at the same offsets.
    @Test(arguments: [(maxRank: 2, maxCount: 1000), (maxRank: 8, maxCount: 10), (maxRank: 1, maxCount: 3)])
    func piecesCoverEveryElementOnce(limits: (maxRank: Int, maxCount: Int)) {
        let out = StridedLayout(contiguous: [3, 4, 5])
        let input = StridedLayout(shape: [3, 4, 5], strides: [20, 1, 4], offset: 2)
        let geometry = ElementwiseGeometry([out, input])
        #expect(geometry.rank == 3)
        let pieces = geometry.pieces(maxRank: limits.maxRank, maxCount: limits.maxCount)
        var visited: [[Int]] = []
        for piece in pieces {
            #expect(piece.rank <= limits.maxRank && piece.count <= limits.maxCount)
            for k in 0..<2 {
                let layout = StridedLayout(shape: piece.shape, strides: piece.strides[k], offset: piece.offsets[k])
                if visited.count <= k { visited.append([]) }
                visited[k] += elementOffsets(layout)
            }
        }
        #expect(visited[0] == elementOffsets(out))
        #expect(visited[1] == elementOffsets(input))
    }

    @Test func operationBlocksMatchTheCStructs() {
        let gemm = GemmDescriptor(
            m: 3, n: 4, k: 5, transposeA: true, alpha: 2, beta: 0.5, batch: 6,
            batchStrideA: 15, batchStrideB: 20, batchStrideC: 12
        ).parameterBlock
        #expect(gemm.bytes.count == 80)
        #expect([gemm.loadInt64(at: 0), gemm.loadInt64(at: 8), gemm.loadInt64(at: 16)] == [3, 4, 4])
        #expect(
            [gemm.loadUInt32(at: 48), gemm.loadUInt32(at: 52), gemm.loadUInt32(at: 56), gemm.loadUInt32(at: 60)] == [3, 4, 5, 6])
        #expect([gemm.loadUInt32(at: 64), gemm.loadUInt32(at: 68)] == [1, 0])
        #expect(gemm.loadFloat(at: 72) == 2 && gemm.loadFloat(at: 76) == 0.5)

        let conv = ConvGeometry(
            batch: 2, inChannels: 3, height: 9, width: 8, outChannels: 4, kernelH: 3, kernelW: 2,
            strideH: 2, padH: 1, dilationW: 2
        ).parameterBlock(batch: 1)
        #expect((0..<16).map { conv.loadUInt32(at: $0 * 4) } == [1, 3, 9, 8, 4, 3, 2, 2, 1, 1, 0, 1, 2, 5, 6, 0])

        let hyper = AdamHyperparameters(learningRate: 0.01, weightDecay: 0.1, step: 3)
        let adam = hyper.parameterBlock
        #expect(
            (0..<8).map { adam.loadFloat(at: $0 * 4) } == [
                hyper.beta2, hyper.beta1Complement, hyper.beta2Complement,
                hyper.epsilon, hyper.gradientWeightDecay, hyper.decoupledDecayFactor, hyper.stepSize, hyper.biasCorrection2Sqrt,
            ])
    }
}
