import Foundation
import Testing
import Training
import TrainingChecks

@Suite struct EventFileWriterTests {
    private typealias Support = TrainingTestSupport

    private func grayImage(width: Int, height: Int) throws -> PixelImage {
        try PixelImage(
            width: width, height: height, format: .gray,
            pixels: (0..<(width * height)).map { UInt8(truncatingIfNeeded: $0 * 37) })
    }

    @Test func writesScalarsAndImagesThatReadBack() throws {
        try Support.withTemporaryDirectory { directory in
            let start = Date().timeIntervalSince1970
            let writer = try EventFileWriter(logDirectory: directory)
            for step in 1...3 {
                try writer.scalar(tag: "train/loss", value: Float(step) * 1.5, step: step)
                try writer.scalar(tag: "train/kl_div_loss", value: -Float(step), step: step)
            }
            let image = try grayImage(width: 6, height: 4)
            try writer.image(tag: "test/0", pixels: image, step: 1)
            let png = try PNGEncoder.encode(try PixelImage(width: 1, height: 2, format: .rgb, pixels: [1, 2, 3, 4, 5, 6]))
            try writer.image(tag: "test/rgb", png: png, step: 7)
            try writer.close()

            let run = try EventFileReader.run(directory)
            #expect(run.files == [writer.path])
            #expect(run.scalars["train/loss"]?.map(\.step) == [1, 2, 3])
            #expect(run.scalars["train/loss"]?.map(\.value) == [1.5, 3, 4.5])
            #expect(run.scalars["train/kl_div_loss"]?.map(\.value) == [-1, -2, -3])
            let wallTimes = run.scalars.values.flatMap { $0.map(\.wallTime) }
            #expect(wallTimes.allSatisfy { $0 >= start - 1 && $0 <= Date().timeIntervalSince1970 + 1 })
            let logged = try #require(run.images["test/0"]?.first)
            #expect(logged.step == 1)
            #expect(logged.image.width == 6)
            #expect(logged.image.height == 4)
            #expect(logged.image.colorspace == 1)
            #expect(try PNGDecoder.decode(logged.image.encodedImage) == image)
            let rgb = try #require(run.images["test/rgb"]?.first)
            #expect(rgb.step == 7)
            #expect(rgb.image.colorspace == 3)
            #expect(rgb.image.encodedImage == png.bytes)
        }
    }

    @Test func fileIsNamedForTensorBoardAndStartsWithTheVersion() throws {
        try Support.withTemporaryDirectory { directory in
            let before = Int(Date().timeIntervalSince1970)
            let writer = try EventFileWriter(logDirectory: directory, filenameSuffix: ".v2")
            let name = URL(fileURLWithPath: writer.path).lastPathComponent
            let parts = name.split(separator: ".", maxSplits: 4).map(String.init)
            #expect(parts[0...2] == ["events", "out", "tfevents"])
            let seconds = try #require(Int(parts[3]))
            #expect(seconds >= before && seconds <= Int(Date().timeIntervalSince1970))
            #expect(parts.count == 5 && parts[4].hasSuffix(".v2") && parts[4].count > 3, "host name missing in \(name)")
            // The version record is on disk before anything else is written or flushed.
            let events = try EventFileReader.events(inFile: writer.path)
            #expect(events.count == 1)
            #expect(events[0].content == .fileVersion("brain.Event:2"))
            #expect(events[0].step == 0)
            try writer.close()
        }
    }

    @Test func scalarsWaitInMemoryUntilFlushed() throws {
        try Support.withTemporaryDirectory { directory in
            let writer = try EventFileWriter(logDirectory: directory, flushInterval: .seconds(3600))
            try writer.scalar(tag: "a", value: 1, step: 1)
            #expect(try EventFileReader.events(inFile: writer.path).count == 1)
            try writer.flush()
            #expect(try EventFileReader.events(inFile: writer.path).count == 2)
            try writer.scalar(tag: "a", value: 2, step: 2)
            try writer.close()
            #expect(try EventFileReader.events(inFile: writer.path).count == 3)
        }
    }

    @Test func aZeroFlushIntervalWritesEveryRecord() throws {
        try Support.withTemporaryDirectory { directory in
            let writer = try EventFileWriter(logDirectory: directory, flushInterval: .zero)
            try writer.scalar(tag: "a", value: 1, step: 1)
            #expect(try EventFileReader.events(inFile: writer.path).count == 2)
            try writer.close()
        }
    }

    @Test func callsAfterCloseThrowAndCloseIsIdempotent() throws {
        try Support.withTemporaryDirectory { directory in
            let writer = try EventFileWriter(logDirectory: directory)
            try writer.close()
            try writer.close()
            #expect(throws: SummaryWriterError.closed(writer.path)) { try writer.scalar(tag: "a", value: 1, step: 1) }
            #expect(throws: SummaryWriterError.closed(writer.path)) {
                try writer.image(tag: "i", pixels: try grayImage(width: 1, height: 1), step: 1)
            }
            #expect(throws: SummaryWriterError.closed(writer.path)) { try writer.flush() }
        }
    }

    @Test func writersStartedTogetherGetTheirOwnFiles() throws {
        try Support.withTemporaryDirectory { directory in
            let writers = try (0..<3).map { _ in try EventFileWriter(logDirectory: directory) }
            for (index, writer) in writers.enumerated() {
                try writer.scalar(tag: "w", value: Float(index), step: index)
                try writer.close()
            }
            #expect(Set(writers.map(\.path)).count == 3)
            let run = try EventFileReader.run(directory)
            #expect(run.files.count == 3)
            #expect(run.scalars["w"]?.map(\.value).sorted() == [0, 1, 2])
        }
    }

    @Test func createsMissingLogDirectoriesAndNamesOnesItCannot() throws {
        try Support.withTemporaryDirectory { directory in
            let nested = directory + "/results/run/1"
            let writer = try EventFileWriter(logDirectory: nested)
            try writer.close()
            #expect(try EventFileReader.eventFiles(in: nested) == [writer.path])

            let file = directory + "/plain-file"
            try Support.write([1], to: file)
            do throws(EventFileError) {
                _ = try EventFileWriter(logDirectory: file + "/run")
                Issue.record("a log directory below a file must be refused")
            } catch {
                #expect(error.file == file)
                #expect(error.description.contains("exists and is not a directory"))
            }
        }
    }

    @Test func concurrentCallsNeverInterleaveRecords() async throws {
        try await Support.withTemporaryDirectory { directory in
            let writer = try EventFileWriter(logDirectory: directory, flushInterval: .zero)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for step in 0..<50 {
                            try writer.scalar(tag: "task/\(task)", value: Float(step), step: step)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try writer.close()
            let run = try EventFileReader.run(directory)
            for task in 0..<8 {
                #expect(run.scalars["task/\(task)"]?.map(\.step) == (0..<50).map(Int64.init))
            }
        }
    }

    @Test func worksThroughTheProtocol() throws {
        try Support.withTemporaryDirectory { directory in
            let writer: any SummaryWriter = try EventFileWriter(logDirectory: directory)
            try writer.scalar(tag: "x", value: 0.5, step: 10)
            try writer.close()
            #expect(try EventFileReader.run(directory).scalars["x"]?.first?.value == 0.5)
        }
    }
}
