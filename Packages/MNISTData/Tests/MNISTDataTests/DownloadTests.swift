import MNISTData
import MNISTDownload
import Synchronization
import Testing

/// Serves canned responses per URL and records the URLs asked for; never touches the network.
struct FakeFetcher: DatasetFetcher {
    let responses: [String: [UInt8]]
    let log = RequestLog()

    struct Unreachable: Error, CustomStringConvertible {
        let url: String
        var description: String { "host unreachable for \(url)" }
    }

    func fetch(_ url: String) async throws -> [UInt8] {
        await log.record(url)
        guard let bytes = responses[url] else { throw Unreachable(url: url) }
        return bytes
    }
}

actor RequestLog {
    private(set) var urls: [String] = []
    func record(_ url: String) { urls.append(url) }
}

@Suite("Downloading missing files")
struct DownloadTests {
    let set = TinySet()
    let mirrors = ["https://first.example/mnist/", "https://second.example/mnist/", "https://third.example/"]

    @Test("mirrors are tried in order until one serves content with the published digest")
    func fallbackAndChecksum() async throws {
        let directory = try TemporaryDirectory()
        let collection = try tinyCollection(set, mirrors: mirrors)
        var other = set
        other.count = 4  // a valid IDX file, but not the published one
        let fetcher = FakeFetcher(responses: [
            // first mirror: unreachable; second: wrong content; third: the right files.
            mirrors[1] + "t10k-images-idx3-ubyte.gz": gzip(try other.imagesFile().serialized()),
            mirrors[2] + "t10k-images-idx3-ubyte.gz": gzip(try set.imagesFile().serialized()),
            mirrors[0] + "t10k-labels-idx1-ubyte.gz": gzip(try set.labelsFile().serialized()),
        ])
        let lines = LineLog()
        let mnist = try await MNIST.load(
            split: .test, collection: collection, directory: directory.path,
            fetcher: fetcher, log: { line in lines.append(line) })
        #expect(mnist.count == set.count)
        #expect(mnist.data.pixels == set.pixels)
        #expect(
            await fetcher.log.urls == [
                mirrors[0] + "t10k-images-idx3-ubyte.gz", mirrors[1] + "t10k-images-idx3-ubyte.gz",
                mirrors[2] + "t10k-images-idx3-ubyte.gz", mirrors[0] + "t10k-labels-idx1-ubyte.gz",
            ])
        // Stored under the final names only: no temporary files left behind.
        #expect(try directory.contents() == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
        #expect(lines.contains("SHA-256 verified"))

        // Present files are not fetched again.
        let again = FakeFetcher(responses: [:])
        _ = try await MNIST.load(split: .test, collection: collection, directory: directory.path, fetcher: again)
        #expect(await again.log.urls.isEmpty)
    }

    @Test("when every mirror fails the error lists each attempt and says where to put which files")
    func allMirrorsFail() async throws {
        let directory = try TemporaryDirectory()
        let collection = try tinyCollection(set, mirrors: mirrors)
        let corrupt = gzip(try set.imagesFile().serialized()).dropLast(8)
        let fetcher = FakeFetcher(responses: [mirrors[1] + "train-images-idx3-ubyte.gz": Array(corrupt)])
        let error = await #expect(throws: DatasetFilesError.self) {
            try await MNIST.load(split: .train, collection: collection, directory: directory.path, fetcher: fetcher)
        }
        guard case .downloadFailed(_, let location, let file, let missing, let attempts)? = error else {
            Issue.record("expected downloadFailed, got \(String(describing: error))")
            return
        }
        #expect(location.path == directory.path)
        #expect(file == "train-images-idx3-ubyte")
        #expect(missing == ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"])
        #expect(attempts.map(\.url) == mirrors.map { $0 + "train-images-idx3-ubyte.gz" })
        if case .invalidContent(let idxError) = attempts[1].failure {
            #expect(idxError.file == mirrors[1] + "train-images-idx3-ubyte.gz")
        } else {
            Issue.record("the cut-off file should be rejected as invalid content, got \(attempts[1].failure)")
        }
        let message = error?.description ?? ""
        for needed in mirrors + ["TINY_DIR", directory.path, "t10k-labels-idx1-ubyte.gz", "unreachable"] {
            #expect(message.contains(needed), "\(needed) missing from: \(message)")
        }
        #expect(try directory.contents().isEmpty)
    }

    @Test("a digest mismatch is reported with both digests")
    func checksumMismatch() async throws {
        let directory = try TemporaryDirectory()
        var collection = try tinyCollection(set, mirrors: [mirrors[0]])
        collection.testLabels.sha256 = String(repeating: "ab", count: 32)
        let labels = try set.labelsFile()
        let fetcher = FakeFetcher(responses: [
            mirrors[0] + "t10k-images-idx3-ubyte.gz": gzip(try set.imagesFile().serialized()),
            mirrors[0] + "t10k-labels-idx1-ubyte.gz": gzip(labels.serialized()),
        ])
        let error = await #expect(throws: DatasetFilesError.self) {
            try await collection.locateFiles(
                split: .test, in: DataDirectory(path: directory.path, origin: .explicit), fetcher: fetcher)
        }
        guard case .downloadFailed(_, _, _, _, let attempts)? = error else {
            Issue.record("expected downloadFailed, got \(String(describing: error))")
            return
        }
        #expect(
            attempts.map(\.failure) == [
                .checksumMismatch(expected: String(repeating: "ab", count: 32), found: labels.sha256Hex())
            ])
        // The images were accepted and stored before the labels failed.
        #expect(try directory.contents() == ["t10k-images-idx3-ubyte.gz"])
    }

    @Test("without pinned digests a download must still be a well-formed file of the right shape")
    func unpinnedShapeCheck() async throws {
        let directory = try TemporaryDirectory()
        let collection = try tinyCollection(set, mirrors: [mirrors[0], mirrors[1]], pinDigests: false)
        var wrongSize = set
        wrongSize.height = 32
        let fetcher = FakeFetcher(responses: [
            mirrors[0] + "train-images-idx3-ubyte.gz": gzip(try wrongSize.imagesFile().serialized()),
            mirrors[1] + "train-images-idx3-ubyte.gz": try set.imagesFile().serialized(),  // served uncompressed
            mirrors[0] + "train-labels-idx1-ubyte.gz": gzip(try set.labelsFile().serialized()),
        ])
        let mnist = try await MNIST.load(split: .train, collection: collection, directory: directory.path, fetcher: fetcher)
        #expect(mnist.data.labels == set.labels)
        // Uncompressed content is stored without the .gz extension.
        #expect(try directory.contents() == ["train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz"])
    }

    @Test("missing directories are created")
    func createsDirectory() async throws {
        let directory = try TemporaryDirectory()
        let nested = directory.path + "/a/b/c"
        let collection = try tinyCollection(set, mirrors: [mirrors[0]])
        let fetcher = FakeFetcher(responses: [
            mirrors[0] + "t10k-images-idx3-ubyte.gz": gzip(try set.imagesFile().serialized()),
            mirrors[0] + "t10k-labels-idx1-ubyte.gz": gzip(try set.labelsFile().serialized()),
        ])
        let mnist = try await MNIST.load(split: .test, collection: collection, directory: nested, fetcher: fetcher)
        #expect(mnist.count == set.count)
    }

    @Test("the URLSession fetcher rejects text that is not a URL before any request")
    func invalidURL() async {
        let error = await #expect(throws: FetchError.self) { try await URLSessionFetcher().fetch("not a url") }
        #expect(error == .invalidURL("not a url"))
    }
}

/// Lines collected from a `@Sendable` log callback.
final class LineLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    func contains(_ text: String) -> Bool { lines.withLock { $0.contains { $0.contains(text) } } }
}
