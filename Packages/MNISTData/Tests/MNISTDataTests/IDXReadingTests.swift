import MNISTData
import Testing

@Suite("IDX files")
struct IDXReadingTests {
    let set = TinySet()

    @Test("raw and gzip files read back exactly what was written")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let images = try set.imagesFile()
        let raw = try directory.write(images.serialized(), to: "images-idx3-ubyte")
        let compressed = try directory.write(gzip(images.serialized()), to: "images-idx3-ubyte.gz")
        // Gzip is recognised by its magic bytes, not by the name.
        let disguised = try directory.write(gzip(images.serialized()), to: "images-no-extension")
        for path in [raw, compressed, disguised] {
            let read = try IDXArray.read(path: path)
            #expect(read == images)
            #expect(read.dimensions == [set.count, set.height, set.width])
            #expect(read.elementType == .uint8)
        }
    }

    @Test("concatenated gzip members are decoded one after another")
    func multiMemberGzip() throws {
        let directory = try TemporaryDirectory()
        let bytes = try set.imagesFile().serialized()
        // The trailer's size field covers only the last, small member, so the reader starts with
        // a buffer far too small and must grow it as data arrives.
        let members =
            gzip(Array(bytes.prefix(1000))) + gzip(Array(bytes[1000..<bytes.count - 100])) + gzip(Array(bytes.suffix(100)))
        let path = try directory.write(members, to: "split.gz")
        #expect(try IDXArray.read(path: path) == set.imagesFile())
    }

    @Test("every element type is parsed with its width", arguments: IDXElementType.allCases)
    func elementTypes(type: IDXElementType) throws {
        let directory = try TemporaryDirectory()
        let bytes = (0..<(6 * type.byteWidth)).map { UInt8($0 % 256) }
        let array = try IDXArray(elementType: type, dimensions: [2, 3], bytes: bytes)
        let path = try directory.write(array.serialized(), to: "array")
        let read = try IDXArray.read(path: path)
        #expect(read.elementType == type)
        #expect(read.dimensions == [2, 3])
        #expect(read.bytes == bytes)
    }

    @Test("labeled images load from an image file and a label file")
    func labeledImages() throws {
        let directory = try TemporaryDirectory()
        let imagesPath = try directory.write(gzip(set.imagesFile().serialized()), to: "images.gz")
        let labelsPath = try directory.write(set.labelsFile().serialized(), to: "labels")
        let loaded = try LabeledImages.load(
            imagesPath: imagesPath, labelsPath: labelsPath,
            imageSize: (set.height, set.width), classCount: set.classCount)
        #expect(loaded.count == set.count)
        #expect(loaded.pixels == set.pixels)
        #expect((0..<set.count).map(loaded.label(at:)) == set.labels.map(Int.init))
        #expect(Array(loaded.image(at: 2)) == Array(set.pixels[2 * 784..<3 * 784]))
    }

    // MARK: - Broken files

    /// Checks that `error` names `path` and states the expected and found values in its description.
    func checkNames(
        _ error: IDXError?, path: String, expected: String, found: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error else {
            Issue.record("no IDXError thrown", sourceLocation: sourceLocation)
            return
        }
        #expect(error.file == path, sourceLocation: sourceLocation)
        #expect(error.expected.contains(expected), "expected part: \(error.expected)", sourceLocation: sourceLocation)
        #expect(error.found.contains(found), "found part: \(error.found)", sourceLocation: sourceLocation)
        #expect(error.description.contains(path), sourceLocation: sourceLocation)
        #expect(error.description.contains(expected), "\(error.description)", sourceLocation: sourceLocation)
        #expect(error.description.contains(found), "\(error.description)", sourceLocation: sourceLocation)
    }

    @Test("a missing file or a directory cannot be opened")
    func cannotOpen() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path + "/nothing-here"
        let error = #expect(throws: IDXError.self) { try IDXArray.read(path: missing) }
        checkNames(error, path: missing, expected: "readable", found: "No such file")
        let notFile = #expect(throws: IDXError.self) { try IDXArray.read(path: directory.path) }
        checkNames(notFile, path: directory.path, expected: "regular file", found: "not a regular file")
    }

    @Test("bad magic number")
    func badMagic() throws {
        let directory = try TemporaryDirectory()
        var bytes = try set.imagesFile().serialized()
        bytes[0] = 0x50; bytes[1] = 0x4B  // a zip file, say
        let path = try directory.write(bytes, to: "bad-magic")
        let error = #expect(throws: IDXError.self) { try IDXArray.read(path: path) }
        checkNames(error, path: path, expected: "00 00", found: "50 4b 08 03")
    }

    @Test("unknown element type code")
    func unknownType() throws {
        let directory = try TemporaryDirectory()
        var bytes = try set.imagesFile().serialized()
        bytes[2] = 0x07
        let path = try directory.write(gzip(bytes), to: "type.gz")
        let error = #expect(throws: IDXError.self) { try IDXArray.read(path: path) }
        checkNames(error, path: path, expected: "0b, 0c", found: "07")
    }

    @Test("images that are not uint8")
    func wrongElementType() throws {
        let directory = try TemporaryDirectory()
        let wide = try IDXArray(
            elementType: .int32, dimensions: [set.count, 2, 2], bytes: [UInt8](repeating: 1, count: set.count * 16))
        let images = try directory.write(wide.serialized(), to: "images")
        let labels = try directory.write(set.labelsFile().serialized(), to: "labels")
        let error = #expect(throws: IDXError.self) { try LabeledImages.load(imagesPath: images, labelsPath: labels) }
        checkNames(error, path: images, expected: "uint8", found: "int32")
    }

    @Test("a label file with two dimensions")
    func wrongRank() throws {
        let directory = try TemporaryDirectory()
        let images = try directory.write(set.imagesFile().serialized(), to: "images")
        let matrix = try IDXArray(elementType: .uint8, dimensions: [set.count, 1], bytes: set.labels)
        let labels = try directory.write(matrix.serialized(), to: "labels")
        let error = #expect(throws: IDXError.self) { try LabeledImages.load(imagesPath: images, labelsPath: labels) }
        checkNames(error, path: labels, expected: "1 dimension", found: "2 dimensions")
    }

    @Test("images of the wrong size for the collection")
    func wrongDimensions() throws {
        let directory = try TemporaryDirectory()
        var big = set
        big.height = 32; big.width = 30
        let images = try directory.write(big.imagesFile().serialized(), to: "images")
        let labels = try directory.write(big.labelsFile().serialized(), to: "labels")
        let error = #expect(throws: IDXError.self) {
            try LabeledImages.load(imagesPath: images, labelsPath: labels, imageSize: (28, 28))
        }
        checkNames(error, path: images, expected: "*×28×28", found: "5×32×30")
    }

    @Test("a raw file cut short, in the elements and in the header")
    func truncatedRaw() throws {
        let directory = try TemporaryDirectory()
        let bytes = try set.imagesFile().serialized()
        let cut = try directory.write(Array(bytes.dropLast(10)), to: "cut")
        let error = #expect(throws: IDXError.self) { try IDXArray.read(path: cut) }
        checkNames(error, path: cut, expected: "\(bytes.count) bytes", found: "\(bytes.count - 10) bytes")

        let header = try directory.write(Array(bytes.prefix(9)), to: "header")
        let headerError = #expect(throws: IDXError.self) { try IDXArray.read(path: header) }
        checkNames(headerError, path: header, expected: "16 bytes", found: "9 bytes")

        let empty = try directory.write([], to: "empty")
        let emptyError = #expect(throws: IDXError.self) { try IDXArray.read(path: empty) }
        checkNames(emptyError, path: empty, expected: "4 bytes", found: "0 bytes")
    }

    @Test("a gzip file cut short: in the compressed elements, and in the trailer")
    func truncatedGzip() throws {
        let directory = try TemporaryDirectory()
        let bytes = try set.imagesFile().serialized()
        let compressed = gzip(bytes)
        let half = try directory.write(Array(compressed.prefix(compressed.count / 2)), to: "half.gz")
        let error = #expect(throws: IDXError.self) { try IDXArray.read(path: half) }
        guard case .truncated(let file, let expected, let found)? = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
        #expect(file == half)
        #expect(expected == bytes.count)
        #expect(found < bytes.count)
        #expect(error?.description.contains("\(found) bytes") == true)

        // All elements present, but the CRC/length trailer is missing.
        let noTrailer = try directory.write(Array(compressed.dropLast(8)), to: "no-trailer.gz")
        let trailerError = #expect(throws: IDXError.self) { try IDXArray.read(path: noTrailer) }
        checkNames(trailerError, path: noTrailer, expected: "valid gzip", found: "cut off")
    }

    @Test("more data than the header declares")
    func trailingData() throws {
        let directory = try TemporaryDirectory()
        let bytes = try set.labelsFile().serialized()
        let raw = try directory.write(bytes + [1, 2, 3], to: "long")
        let error = #expect(throws: IDXError.self) { try IDXArray.read(path: raw) }
        checkNames(error, path: raw, expected: "\(bytes.count) bytes", found: "\(bytes.count + 3) bytes")
        let compressed = try directory.write(gzip(bytes + [1, 2, 3]), to: "long.gz")
        let gzError = #expect(throws: IDXError.self) { try IDXArray.read(path: compressed) }
        checkNames(gzError, path: compressed, expected: "\(bytes.count) bytes", found: "\(bytes.count + 3) bytes")
    }

    @Test("corrupt gzip: bad CRC, unknown method, garbage after a member")
    func corruptGzip() throws {
        let directory = try TemporaryDirectory()
        let compressed = gzip(try set.imagesFile().serialized())
        var badCRC = compressed
        badCRC[badCRC.count - 8] ^= 0xFF
        let crcPath = try directory.write(badCRC, to: "crc.gz")
        let crcError = #expect(throws: IDXError.self) { try IDXArray.read(path: crcPath) }
        checkNames(crcError, path: crcPath, expected: "valid gzip data", found: "incorrect data check")

        var badMethod = compressed
        badMethod[2] = 7
        let methodPath = try directory.write(badMethod, to: "method.gz")
        let methodError = #expect(throws: IDXError.self) { try IDXArray.read(path: methodPath) }
        checkNames(methodError, path: methodPath, expected: "valid gzip data", found: "unknown compression method")

        let garbagePath = try directory.write(compressed + [0x42, 0x42, 0x42, 0x42], to: "garbage.gz")
        let garbageError = #expect(throws: IDXError.self) { try IDXArray.read(path: garbagePath) }
        checkNames(garbageError, path: garbagePath, expected: "valid gzip data", found: "header")
    }

    @Test("image and label counts differ")
    func countMismatch() throws {
        let directory = try TemporaryDirectory()
        let images = try directory.write(set.imagesFile().serialized(), to: "images")
        let fewer = try IDXArray(elementType: .uint8, dimensions: [set.count - 1], bytes: Array(set.labels.dropLast()))
        let labels = try directory.write(gzip(fewer.serialized()), to: "labels.gz")
        let error = #expect(throws: IDXError.self) { try LabeledImages.load(imagesPath: images, labelsPath: labels) }
        checkNames(error, path: labels, expected: "\(set.count) labels", found: "\(set.count - 1) labels")
        #expect(error?.description.contains(images) == true)
    }

    @Test("a label outside the classes")
    func labelOutOfRange() throws {
        let directory = try TemporaryDirectory()
        let images = try directory.write(set.imagesFile().serialized(), to: "images")
        var labelBytes = set.labels
        labelBytes[3] = 12
        let labels = try directory.write(
            IDXArray(elementType: .uint8, dimensions: [set.count], bytes: labelBytes).serialized(), to: "labels")
        let error = #expect(throws: IDXError.self) {
            try LabeledImages.load(imagesPath: images, labelsPath: labels, classCount: 10)
        }
        checkNames(error, path: labels, expected: "0..<10", found: "label 12 at index 3")
    }

    @Test("forged huge dimensions: overflow is caught, and sizes beyond the data fail without allocating them")
    func forgedDimensions() throws {
        let directory = try TemporaryDirectory()
        // 3 × 2³²−1 sizes overflow a 64-bit byte count.
        let overflow: [UInt8] = [0, 0, 0x08, 3] + [UInt8](repeating: 0xFF, count: 12)
        let overflowPath = try directory.write(overflow, to: "overflow")
        let overflowError = #expect(throws: IDXError.self) { try IDXArray.read(path: overflowPath) }
        checkNames(overflowError, path: overflowPath, expected: "fits in memory", found: "4294967295×4294967295×4294967295")

        // 4·10⁹ × 28 × 28 bytes (about 3 TB) declared, a few bytes present: raw and gzip.
        let huge: [UInt8] = [0, 0, 0x08, 3, 0xEE, 0x6B, 0x28, 0x00, 0, 0, 0, 28, 0, 0, 0, 28] + [UInt8](repeating: 7, count: 100)
        let declared = 16 + 4_000_000_000 * 784
        let rawPath = try directory.write(huge, to: "huge")
        let rawError = #expect(throws: IDXError.self) { try IDXArray.read(path: rawPath) }
        checkNames(rawError, path: rawPath, expected: "\(declared) bytes", found: "116 bytes")

        let gzPath = try directory.write(gzip(huge), to: "huge.gz")
        let gzError = #expect(throws: IDXError.self) { try IDXArray.read(path: gzPath) }
        checkNames(gzError, path: gzPath, expected: "\(declared) bytes", found: "116 bytes")

        // With the trailer's size field forged as well, zlib's length check catches the trailer;
        // the first allocation is still bounded by what 1032-fold deflate expansion allows.
        var forged = gzip(huge)
        for i in 1...4 { forged[forged.count - i] = 0xFF }
        let forgedPath = try directory.write(forged, to: "forged.gz")
        let forgedError = #expect(throws: IDXError.self) { try IDXArray.read(path: forgedPath) }
        checkNames(forgedError, path: forgedPath, expected: "valid gzip data", found: "incorrect length check")
    }
}
