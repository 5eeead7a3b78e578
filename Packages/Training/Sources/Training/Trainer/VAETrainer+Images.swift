import TensorCore

extension VAETrainer {
    /// The images of epoch `epoch`: `test/<i>` for each comparison pair and, with
    /// ``VAETrainerOptions/logsImageGrids``, the two grids (also written as PNG files to the output
    /// directory when there is one).
    func logEpochImages(epoch: Int) throws {
        let pairs = min(options.comparisonImages, testSet.count)
        var comparison: (inputs: Tensor, reconstructions: Tensor)?
        if pairs > 0 {
            let images = try reconstructTestExamples(count: pairs)
            for index in 0..<pairs {
                let pair = try ImageGrid.pair(
                    input: images.inputs.selected(axis: 0, index: index),
                    reconstruction: images.reconstructions.selected(axis: 0, index: index))
                try writer.image(tag: "test/\(index)", pixels: pair, step: epoch)
            }
            comparison = images
        }
        guard options.logsImageGrids else { return }
        var grids: [(tag: String, file: String, image: PixelImage)] = []
        if let comparison {
            let grid = try ImageGrid.pairs(
                inputs: comparison.inputs, reconstructions: comparison.reconstructions,
                pairsPerRow: 5)
            grids.append(("images/reconstructions", "reconstructions", grid))
        }
        let samples = try priorSamples(count: options.priorSamples)
        grids.append(("images/samples", "samples", try ImageGrid.grid(samples, imagesPerRow: 8)))
        for grid in grids {
            let png = try PNGEncoder.encode(grid.image)
            try writer.image(tag: grid.tag, png: png, step: epoch)
            if let directory = options.outputDirectory {
                try FileWriting.writeAtomically(
                    png.bytes, to: CheckpointFiles.imagePath(in: directory, name: grid.file, epoch: epoch))
            }
        }
    }
}
