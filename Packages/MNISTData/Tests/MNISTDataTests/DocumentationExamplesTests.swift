import Data
import MNISTData
import MNISTDownload
import Testing

// The examples of MNISTData.docc/GettingStarted.md (and MNISTData's row of
// README.md), line for line, on five generated images per split instead of MNIST
// (the comments give MNIST's values; the expectations those of the generated files).
@Suite struct DocumentationExamplesTests {
    let set = TinySet()

    @Test func loadBatchTransformDownloadAndRead() async throws {
        let files = try TemporaryDirectory()
        try writeTinyFiles(set, to: files)
        let directory = files.path

        let train = try MNIST(split: .train, directory: directory)  // or MNIST(split: .train): $MNIST_DIR
        let test = try MNIST(split: .test, directory: directory)
        #expect("\(train.count) \(test.count)" == "5 5")  // MNIST: 60000 10000

        let first = try train.example(at: 0, context: SampleContext(seed: 0, epoch: 0, index: 0))
        #expect("\(first.input.shape) \(first.label!)" == "[1, 32, 32] \(set.labels[0])")  // MNIST: … 5

        let loader = try DataLoader(train, batchSize: 128, shuffle: true, seed: 42, workers: 2)
        let batches = loader.batches(epoch: 0)
        var shapes: [[Int]] = []
        while let batch = try batches.next() {
            // batch.inputs: [128, 1, 32, 32] (the last one smaller), batch.labels: [Int]
            shapes.append(batch.inputs.shape)
        }
        #expect(shapes == [[5, 1, 32, 32]])

        let unaugmented = train.withTransform(ImagePipeline.reference(augment: false))
        let unitRange = train.withTransform(ImagePipeline([PadImage(2), ScalePixels(from: 0...255, to: 0...1)]))
        let context = SampleContext(seed: 0, epoch: 0, index: 0)
        #expect(
            try unaugmented.example(at: 0, context: context).input.scalars
                == test.example(at: 0, context: context).input.scalars)
        let unit = try unitRange.example(at: 0, context: context).input.scalars
        #expect(unit.allSatisfy { (0...1).contains($0) } && unit.contains { $0 > 0 })

        let downloaded = try await MNIST.loadDownloading(split: .test, directory: directory)
        #expect(downloaded.data == test.data)

        let images = try IDXArray.read(path: directory + "/t10k-images-idx3-ubyte.gz")
        #expect("\(images.elementType) \(images.dimensions)" == "uint8 (0x08) [5, 28, 28]")  // MNIST: … [10000, 28, 28]
    }

    /// MNISTData's example in README.md, line for line.
    @Test func readmeMNISTDataExample() throws {
        let files = try TemporaryDirectory()
        try writeTinyFiles(set, to: files)
        let directory: String? = files.path

        let train = try MNIST(split: .train, directory: directory)  // directory nil: $MNIST_DIR, then ~/.cache
        let loader = try DataLoader(train, batchSize: 128, shuffle: true, seed: 42, workers: 2)
        let batches = loader.batches(epoch: 0)
        var seen = 0
        while let batch = try batches.next() {
            // batch.inputs: [128, 1, 32, 32] in [-1, 1], batch.labels: [Int]
            _ = batch
            seen += batch.count
            #expect(batch.inputs.scalars.allSatisfy { (-1...1).contains($0) })
        }
        #expect(seen == set.count)
    }
}
