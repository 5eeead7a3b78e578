import Data
import Dispatch
import MNISTData
import TensorCore
import Testing

/// Writes `set`'s four files (train and test alike) to `directory`, gzip or raw.
func writeTinyFiles(_ set: TinySet, to directory: TemporaryDirectory, compressed: Bool = true) throws {
    let images = try set.imagesFile().serialized(), labels = try set.labelsFile().serialized()
    for (name, bytes) in [
        ("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
        ("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels),
    ] {
        if compressed {
            try directory.write(gzip(bytes), to: name + ".gz")
        } else {
            try directory.write(bytes, to: name)
        }
    }
}

@Suite("MNIST dataset on small generated files")
struct MNISTDatasetTests {
    let set = TinySet()

    func load(_ split: MNIST.Split, compressed: Bool = true) throws -> MNIST {
        let directory = try TemporaryDirectory()
        try writeTinyFiles(set, to: directory, compressed: compressed)
        return try MNIST(split: split, collection: tinyCollection(set), directory: directory.path)
    }

    /// The test-split transform computed by hand: a −1 border of 2 and 2·(v/255) − 1 inside.
    func expectedTestImage(_ index: Int) -> [Float] {
        (0..<32).flatMap { row in
            (0..<32).map { column -> Float in
                guard (2..<30).contains(row) && (2..<30).contains(column) else { return -1 }
                return 2 * (Float(set.pixel(image: index, row: row - 2, column: column - 2)) / 255) - 1
            }
        }
    }

    @Test("examples are [1, 32, 32] tensors in [-1, 1] with their labels; raw and gzip files alike")
    func examples() throws {
        for compressed in [true, false] {
            for split in MNIST.Split.allCases {
                let mnist = try load(split, compressed: compressed)
                #expect(mnist.count == set.count)
                for index in 0..<mnist.count {
                    let example = try mnist.example(at: index, context: SampleContext(seed: 3, epoch: 1, index: index))
                    #expect(example.input.shape == [1, 32, 32])
                    #expect(example.input.device == .cpu)
                    #expect(example.label == Int(set.labels[index]))
                    #expect(example.input.scalars.allSatisfy { (-1...1).contains($0) })
                }
            }
        }
    }

    @Test("test split: pad and scale only, identical whatever the seed and epoch")
    func testSplit() throws {
        let mnist = try load(.test)
        for index in 0..<mnist.count {
            let contexts = [SampleContext(seed: 0, epoch: 0, index: index), SampleContext(seed: 99, epoch: 5, index: index)]
            for context in contexts {
                #expect(try mnist.example(at: index, context: context).input.scalars == expectedTestImage(index))
            }
        }
    }

    @Test("train split: rotated per (seed, epoch, index), different across epochs, same when repeated")
    func trainSplit() throws {
        let mnist = try load(.train)
        var differingAcrossEpochs = 0
        for index in 0..<mnist.count {
            let context = SampleContext(seed: 7, epoch: 0, index: index)
            let first = try mnist.example(at: index, context: context).input.scalars
            #expect(try mnist.example(at: index, context: context).input.scalars == first)
            let nextEpoch = try mnist.example(at: index, context: SampleContext(seed: 7, epoch: 1, index: index)).input.scalars
            if nextEpoch != first { differingAcrossEpochs += 1 }
            // The rotation is the one drawn from the example's stream, applied before scaling.
            var random = context.random
            let angle = RandomRotation(degrees: 5).drawAngle(&random)
            var unused = context.random
            let padded = PadImage(2).apply(to: mnist.rawImage(at: index), random: &unused)
            let manual = ScalePixels.referenceRange.apply(
                to: RotateImage.rotate(padded, degrees: angle, fill: 0), random: &unused)
            #expect(first == manual.pixels)
        }
        #expect(differingAcrossEpochs >= mnist.count - 1)
    }

    @Test("examples do not depend on the thread or the order they are produced in")
    func threadIndependence() throws {
        let mnist = try load(.train)
        let indices = Array(0..<mnist.count) + Array(0..<mnist.count).reversed()
        let sequential = try indices.map {
            try mnist.example(at: $0, context: SampleContext(seed: 1, epoch: 2, index: $0)).input.scalars
        }
        let results = ResultSlots(count: indices.count)
        DispatchQueue.concurrentPerform(iterations: indices.count) { slot in
            let index = indices[slot]
            results.store(
                slot, try? mnist.example(at: index, context: SampleContext(seed: 1, epoch: 2, index: index)).input.scalars)
        }
        #expect(results.values == sequential.map { Optional($0) })
    }

    @Test("an index outside the dataset throws SampleIndexError")
    func indexOutOfRange() throws {
        let mnist = try load(.test)
        for index in [-1, mnist.count] {
            let error = #expect(throws: SampleIndexError.self) {
                try mnist.example(at: index, context: SampleContext(seed: 0, epoch: 0, index: index))
            }
            #expect(error == SampleIndexError(index: index, count: mnist.count))
            #expect(error?.description.contains("\(index)") == true)
        }
    }

    @Test("small standalone sets: the first N and given images, copied compactly")
    func compactSubsets() throws {
        let mnist = try load(.test)
        let first = MNIST(split: .test, data: mnist.data.prefix(3))
        #expect(first.count == 3)
        #expect(first.data.pixels == Array(mnist.data.pixels.prefix(3 * 784)))
        #expect(mnist.data.prefix(100).count == mnist.count)
        #expect(mnist.data.prefix(0).count == 0)

        let picked = MNIST(split: .test, data: try mnist.data.selecting([4, 0, 4]))
        #expect(picked.count == 3)
        #expect(picked.data.labels == [set.labels[4], set.labels[0], set.labels[4]])
        #expect(Array(picked.data.image(at: 1)) == Array(mnist.data.image(at: 0)))
        let example = try picked.example(at: 0, context: SampleContext(seed: 0, epoch: 0, index: 0))
        #expect(example.input.scalars == expectedTestImage(4))

        let error = #expect(throws: SampleIndexError.self) { try mnist.data.selecting([1, 5]) }
        #expect(error == SampleIndexError(index: 5, count: mnist.count))
    }

    @Test("a custom transform replaces the reference one")
    func customTransform() throws {
        let directory = try TemporaryDirectory()
        try writeTinyFiles(set, to: directory)
        let raw = try MNIST(
            split: .train, collection: tinyCollection(set), directory: directory.path,
            transform: ImagePipeline([]))
        let example = try raw.example(at: 1, context: SampleContext(seed: 0, epoch: 0, index: 1))
        #expect(example.input.shape == [1, 28, 28])
        #expect(example.input.scalars == raw.rawImage(at: 1).pixels)
        #expect(example.input.scalars.max() ?? 0 > 1)
    }
}

/// Results written by concurrent workers, one slot each.
///
/// `@unchecked Sendable`: every slot is written by exactly one worker through a raw pointer (no
/// exclusivity-checked property access), and `values` is read only after `concurrentPerform` has
/// returned, which orders all writes before it.
final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<[Float]?>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }
    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
    func store(_ slot: Int, _ value: [Float]?) { slots[slot] = value }
    var values: [[Float]?] { Array(slots) }
}

@Suite("Finding data files")
struct DataDirectoryTests {
    let collection = IDXCollection.mnist

    func environment(_ values: [String: String]) -> (String) -> String? { { values[$0] } }

    @Test("explicit directory, then MNIST_DIR, then the per-user cache")
    func precedence() {
        let all = environment(["MNIST_DIR": "/data/mnist", "XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"])
        #expect(
            DataDirectory.resolve(for: collection, explicit: "/given", environment: all)
                == DataDirectory(path: "/given", origin: .explicit))
        #expect(
            DataDirectory.resolve(for: collection, environment: all)
                == DataDirectory(path: "/data/mnist", origin: .environment(variable: "MNIST_DIR")))
        #expect(
            DataDirectory.resolve(for: collection, environment: environment(["XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"]))
                == DataDirectory(path: "/xdg/deeptrust/mnist", origin: .userCache))
        #expect(
            DataDirectory.resolve(for: collection, environment: environment(["HOME": "/home/u"]))
                == DataDirectory(path: "/home/u/.cache/deeptrust/mnist", origin: .userCache))
        // Empty values count as unset; a relative XDG_CACHE_HOME is ignored (XDG base directory spec).
        #expect(
            DataDirectory.resolve(
                for: collection, explicit: "",
                environment: environment(["MNIST_DIR": "", "XDG_CACHE_HOME": "rel", "HOME": "/h/"])
            ).path
                == "/h/.cache/deeptrust/mnist")
        #expect(
            DataDirectory.resolve(for: .fashionMNIST, environment: environment(["MNIST_DIR": "/m", "HOME": "/h"])).path
                == "/h/.cache/deeptrust/fashion-mnist")
    }

    @Test("a raw file is preferred to its .gz twin; missing files are reported with where to put them")
    func locating() throws {
        let directory = try TemporaryDirectory()
        let set = TinySet()
        let collection = try tinyCollection(set)
        let location = DataDirectory(path: directory.path, origin: .environment(variable: "TINY_DIR"))
        let error = #expect(throws: DatasetFilesError.self) { try collection.locateFiles(split: .train, in: location) }
        let message = error?.description ?? ""
        for needed in [
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz", "TINY_DIR", directory.path,
        ] {
            #expect(message.contains(needed), "\(needed) missing from: \(message)")
        }
        #expect(
            error
                == .missing(
                    collection: collection, directory: location,
                    files: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]))

        try writeTinyFiles(set, to: directory, compressed: true)
        try directory.write(set.imagesFile().serialized(), to: "train-images-idx3-ubyte")
        let paths = try collection.locateFiles(split: .train, in: location)
        #expect(paths.images == directory.path + "/train-images-idx3-ubyte")
        #expect(paths.labels == directory.path + "/train-labels-idx1-ubyte.gz")
    }

    @Test("MNIST(split:) without files names the directory, the four files and MNIST_DIR")
    func offlineMessage() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: DatasetFilesError.self) { try MNIST(split: .test, directory: directory.path) }
        let message = error?.description ?? ""
        for needed in ["t10k-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "MNIST_DIR", directory.path] {
            #expect(message.contains(needed), "\(needed) missing from: \(message)")
        }
    }
}
