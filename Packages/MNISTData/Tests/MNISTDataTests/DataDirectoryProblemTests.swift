import Foundation
import MNISTData
import Testing

/// A data directory that exists but cannot be used — a regular file, a FIFO, a device, an
/// unreadable directory — or that does not exist, is reported as what it is, not as missing
/// files; so is an entry named like a data file that is not a regular file. IDX headers of the
/// wrong kind are reported by element type and rank before their sizes are read.
@Suite struct DataDirectoryProblemTests {
    private func problem(_ path: String, origin: DataDirectory.Origin = .explicit) -> DatasetFilesError? {
        let location = DataDirectory(path: path, origin: origin)
        do {
            _ = try IDXCollection.mnist.locateFiles(split: .train, in: location)
            Issue.record("\(path) was accepted")
            return nil
        } catch {
            return error
        }
    }

    private func expectUnusable(_ path: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = problem(path)
        #expect(
            error
                == .unusableDirectory(collection: .mnist, directory: DataDirectory(path: path, origin: .explicit), reason: reason),
            sourceLocation: sourceLocation)
        let message = error?.description ?? ""
        #expect(message.contains(path) && message.contains(reason) && !message.contains("missing"), "\(message)")
    }

    @Test func pathsThatAreNoDirectoryAreNamedForWhatTheyAre() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write([1, 2, 3], to: "a-file")
        expectUnusable(file, "is a regular file, not a directory")
        expectUnusable(directory.path + "/absent", "does not exist")
        let fifo = directory.path + "/fifo"
        try #require(mkfifo(fifo, 0o644) == 0)
        expectUnusable(fifo, "is a FIFO (named pipe), not a directory")
        expectUnusable("/dev/zero", "is a character device, not a directory")
    }

    @Test(.enabled(if: getuid() != 0, "root reads every directory; this case needs another user"))
    func anUnreadableDirectoryIsNamed() throws {
        let directory = try TemporaryDirectory()
        let locked = directory.path + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        try #require(chmod(locked, 0) == 0)
        defer { chmod(locked, 0o755) }
        expectUnusable(locked, "cannot be read: Permission denied")
    }

    @Test func aDataFileNameTakenByADirectoryOrFIFOIsNamed() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: directory.path + "/train-images-idx3-ubyte", withIntermediateDirectories: false)
        #expect(
            problem(directory.path)
                == .unusableFile(path: directory.path + "/train-images-idx3-ubyte", reason: "is a directory, not a regular file"))
        try FileManager.default.removeItem(atPath: directory.path + "/train-images-idx3-ubyte")
        try #require(mkfifo(directory.path + "/train-labels-idx1-ubyte.gz", 0o644) == 0)
        #expect(
            problem(directory.path)
                == .unusableFile(
                    path: directory.path + "/train-labels-idx1-ubyte.gz", reason: "is a FIFO (named pipe), not a regular file"))
    }

    @Test func aWrongRankIsReportedBeforeTheSizes() throws {
        let directory = try TemporaryDirectory()
        // An image file whose header claims one dimension of 1000 bytes, with 10 bytes of data:
        // the wrong rank is the problem, not the missing bytes.
        let images = try directory.write([0, 0, 8, 1, 0, 0, 3, 232] + [UInt8](repeating: 0, count: 10), to: "images")
        let labels = try directory.write([0, 0, 8, 1, 0, 0, 0, 1, 0], to: "labels")
        #expect(throws: IDXError.wrongRank(file: images, expected: 3, found: 1)) {
            try LabeledImages.load(imagesPath: images, labelsPath: labels)
        }
        // A rank byte of 200 and no sizes at all.
        let forged = try directory.write([0, 0, 8, 200], to: "forged")
        #expect(throws: IDXError.wrongRank(file: forged, expected: 3, found: 200)) {
            try LabeledImages.load(imagesPath: forged, labelsPath: labels)
        }
        // Element type before rank.
        let oneImage = try directory.write([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0], to: "one-image")
        let wide = try directory.write([0, 0, 0x0c, 1, 0, 0, 0, 1], to: "wide")
        #expect(throws: IDXError.wrongElementType(file: wide, expected: .uint8, found: .int32)) {
            try LabeledImages.load(imagesPath: oneImage, labelsPath: wide)
        }
    }
}
