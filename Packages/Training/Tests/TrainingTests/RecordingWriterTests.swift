import Testing
import Training
import TrainingChecks

@Suite struct RecordingWriterTests {
    private func image() throws -> PixelImage {
        try PixelImage(width: 2, height: 1, format: .gray, pixels: [0, 255])
    }

    @Test func keepsEveryCallInOrder() throws {
        let writer = RecordingWriter()
        try writer.scalar(tag: "train/loss", value: 3, step: 1)
        try writer.image(tag: "test/0", pixels: try image(), step: 1)
        try writer.scalar(tag: "train/loss", value: 2, step: 2)
        try writer.flush()
        try writer.close()
        #expect(
            writer.calls == [
                .scalar(tag: "train/loss", value: 3, step: 1),
                .image(tag: "test/0", image: .pixels(try image()), step: 1),
                .scalar(tag: "train/loss", value: 2, step: 2),
                .flush,
                .close,
            ])
        #expect(writer.scalars(tag: "train/loss") == [.init(step: 1, value: 3), .init(step: 2, value: 2)])
        #expect(writer.scalars(tag: "missing").isEmpty)
        #expect(writer.tags == ["test/0", "train/loss"])
        #expect(writer.isClosed)
    }

    @Test func pngImagesKeepTheirBytesAndDecode() throws {
        let writer = RecordingWriter()
        let png = try PNGEncoder.encode(try image())
        try writer.image(tag: "test/0", png: png, step: 4)
        let logged = try #require(writer.images(tag: "test/0").first)
        #expect(logged.step == 4)
        #expect(logged.image == .png(png))
        #expect(logged.image.width == 2)
        #expect(logged.image.height == 1)
        #expect(logged.image.format == .gray)
        #expect(try logged.image.decodedPixels() == (try image()))
    }

    @Test func callsAfterCloseThrow() throws {
        let writer = RecordingWriter()
        try writer.close()
        try writer.close()
        #expect(throws: SummaryWriterError.closed("RecordingWriter")) { try writer.scalar(tag: "a", value: 1, step: 1) }
        #expect(throws: SummaryWriterError.closed("RecordingWriter")) { try writer.flush() }
        #expect(writer.calls == [.close])
    }

    @Test func isSafeToShareBetweenTasks() async throws {
        let writer = RecordingWriter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for step in 0..<100 { try writer.scalar(tag: "t\(task)", value: Float(step), step: step) }
                }
            }
            try await group.waitForAll()
        }
        #expect(writer.calls.count == 800)
        for task in 0..<8 {
            #expect(writer.scalars(tag: "t\(task)").map(\.step) == Array(0..<100))
        }
    }
}
