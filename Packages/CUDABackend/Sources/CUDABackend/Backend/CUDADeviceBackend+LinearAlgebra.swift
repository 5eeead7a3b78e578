import TensorCore

extension CUDADeviceBackend {
    /// Most floats of one im2col buffer (256 MiB); larger batches are processed in chunks.
    static let maxColumnElements = 1 << 26

    public func gemm(_ descriptor: GemmDescriptor, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer) {
        guard begin("gemm") else { return }
        gemmDevice(descriptor, a: cuda(a).address, b: cuda(b).address, c: cuda(c).address)
    }

    /// `gemm` on raw device addresses of element 0 of each buffer (the descriptor's offsets are
    /// applied here): cuBLAS when loaded and able to express it, else the `dt_gemm` kernel.
    func gemmDevice(_ d: GemmDescriptor, a: CUDADevicePointer, b: CUDADevicePointer, c: CUDADevicePointer) {
        guard d.m > 0, d.n > 0, d.batch > 0, firstError == nil else { return }
        let floatSize = UInt64(MemoryLayout<Float>.stride)
        let (pa, pb, pc) = (
            a + UInt64(d.offsetA) * floatSize, b + UInt64(d.offsetB) * floatSize,
            c + UInt64(d.offsetC) * floatSize
        )
        if let blas, let call = CUBLASGemmMapping.call(for: d, a: pa, b: pb, c: pc) {
            do throws(CUDAError) {
                try blas.lock.withLock { _ throws(CUDAError) in try blas.api.sgemmStridedBatched(blas.handle, call) }
            } catch {
                fail(error, in: "cublasSgemmStridedBatched \(d.m)×\(d.n)×\(d.k) batch \(d.batch)")
            }
            return
        }
        // The kernel's grid covers at most maxGemmRows rows: split taller products.
        for row in stride(from: 0, to: d.m, by: LaunchConfiguration.maxGemmRows) {
            var piece = d
            piece.m = min(LaunchConfiguration.maxGemmRows, d.m - row)
            let aRowOffset = UInt64(d.transposeA ? row : row * d.lda) * floatSize
            let cRowOffset = UInt64(row * d.ldc) * floatSize
            let (grid, block) = LaunchConfiguration.gemm(m: piece.m, n: d.n, batch: d.batch)
            launch(
                Kernels.gemm, grid: grid, block: block,
                [.block(piece.parameterBlock), .pointer(pa + aRowOffset), .pointer(pb), .pointer(pc + cRowOffset)])
        }
    }

    /// Images per im2col chunk.
    private func chunkSize(_ g: ConvGeometry) -> Int {
        max(1, min(g.batch, Self.maxColumnElements / max(1, g.columnRows * g.columnCount)))
    }

    /// A 1×1 kernel with stride 1 and no padding reads the input as its own column matrix.
    private func isPointwise(_ g: ConvGeometry) -> Bool {
        g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0
    }

    private func linearLaunch(_ signature: KernelSignature, items: Int, _ arguments: [KernelArgument]) {
        guard items > 0 else { return }
        precondition(items <= Self.maxLaunchElements, "\(signature.name): \(items) items exceed one launch")
        let (grid, block) = LaunchConfiguration.linear(items: items)
        launch(signature, grid: grid, block: block, arguments)
    }

    public func conv2dForward(
        _ g: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer,
        into output: any DeviceBuffer
    ) {
        guard g.batch > 0, g.outChannels > 0, g.columnCount > 0 else { return }
        guard begin("conv2dForward") else { return }
        let (x, w, y) = (cuda(input), cuda(weight), cuda(output))
        let rows = g.columnRows, spatial = g.columnCount
        let chunk = chunkSize(g)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            let columns: CUDABuffer
            let columnsOffset: Int
            if isPointwise(g) {
                (columns, columnsOffset) = (x, first * g.inChannels * g.height * g.width)
            } else {
                (columns, columnsOffset) = (scratch(count: images * rows * spatial), 0)
                linearLaunch(
                    Kernels.im2col, items: images * rows * spatial,
                    [
                        .block(g.parameterBlock(batch: images)),
                        .pointer(x.address(at: first * g.inChannels * g.height * g.width)), .pointer(columns.address),
                    ])
            }
            // Per image: output[Cout, spatial] = weight[Cout, rows] · columns[rows, spatial].
            gemmDevice(
                GemmDescriptor(
                    m: g.outChannels, n: spatial, k: rows, offsetB: columnsOffset,
                    offsetC: first * g.outChannels * spatial,
                    batch: images, batchStrideA: 0, batchStrideB: rows * spatial,
                    batchStrideC: g.outChannels * spatial),
                a: w.address, b: columns.address, c: y.address)
        }
    }

    public func conv2dBackwardInput(
        _ g: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer,
        into gradInput: any DeviceBuffer
    ) {
        guard g.batch > 0, g.inChannels > 0, g.height > 0, g.width > 0 else { return }
        guard begin("conv2dBackwardInput") else { return }
        let (dy, w, dx) = (cuda(gradOutput), cuda(weight), cuda(gradInput))
        let rows = g.columnRows, spatial = g.columnCount
        let imageSize = g.inChannels * g.height * g.width
        if g.outChannels == 0 || spatial == 0 {
            fill(dx, offset: 0, count: g.batch * imageSize, value: 0)
            return
        }
        let chunk = chunkSize(g)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            // Per image: columns[rows, spatial] = weightᵀ[rows, Cout] · gradOutput[Cout, spatial].
            let pointwise = isPointwise(g)
            let columns = pointwise ? dx : scratch(count: images * rows * spatial)
            gemmDevice(
                GemmDescriptor(
                    m: rows, n: spatial, k: g.outChannels, transposeA: true,
                    offsetB: first * g.outChannels * spatial,
                    offsetC: pointwise ? first * imageSize : 0,
                    batch: images, batchStrideA: 0, batchStrideB: g.outChannels * spatial,
                    batchStrideC: rows * spatial),
                a: w.address, b: dy.address, c: columns.address)
            if !pointwise {
                linearLaunch(
                    Kernels.col2im, items: images * imageSize,
                    [
                        .block(g.parameterBlock(batch: images)), .pointer(columns.address),
                        .pointer(dx.address(at: first * imageSize)),
                    ])
            }
        }
    }

    public func conv2dBackwardWeight(
        _ g: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        into gradWeight: any DeviceBuffer
    ) {
        let rows = g.columnRows, spatial = g.columnCount
        let weightCount = g.outChannels * rows
        guard weightCount > 0 else { return }
        guard begin("conv2dBackwardWeight") else { return }
        let (x, dy, dw) = (cuda(input), cuda(gradOutput), cuda(gradWeight))
        if g.batch == 0 || spatial == 0 {
            fill(dw, offset: 0, count: weightCount, value: 0)
            return
        }
        let imageSize = g.inChannels * g.height * g.width
        let chunk = chunkSize(g)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            let columns: CUDABuffer
            let columnsOffset: Int
            if isPointwise(g) {
                (columns, columnsOffset) = (x, first * imageSize)
            } else {
                (columns, columnsOffset) = (scratch(count: images * rows * spatial), 0)
                linearLaunch(
                    Kernels.im2col, items: images * rows * spatial,
                    [
                        .block(g.parameterBlock(batch: images)), .pointer(x.address(at: first * imageSize)),
                        .pointer(columns.address),
                    ])
            }
            // Per image: partial[Cout, rows] = gradOutput[Cout, spatial] · columnsᵀ[spatial, rows];
            // then the partials are summed over the images (and over chunks into gradWeight).
            let partials = scratch(count: images * weightCount)
            gemmDevice(
                GemmDescriptor(
                    m: g.outChannels, n: rows, k: spatial, transposeB: true,
                    offsetA: first * g.outChannels * spatial, offsetB: columnsOffset,
                    batch: images, batchStrideA: g.outChannels * spatial,
                    batchStrideB: rows * spatial, batchStrideC: weightCount),
                a: dy.address, b: columns.address, c: partials.address)
            if first == 0 {
                reduceDevice(.sum, x: partials.address, outer: 1, extent: images, inner: weightCount, out: dw.address)
            } else {
                let chunkSum = scratch(count: weightCount)
                reduceDevice(.sum, x: partials.address, outer: 1, extent: images, inner: weightCount, out: chunkSum.address)
                let dense = StridedLayout(contiguous: [weightCount])
                binary(.add, dw, dense, chunkSum, dense, into: dw)
            }
        }
    }
}
