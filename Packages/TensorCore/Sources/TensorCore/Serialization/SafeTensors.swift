import DeepTrustSystem

/// The tensors and metadata of a safetensors file, loaded into CPU tensors.
public struct SafeTensorsFile: Sendable {
    /// The path the file was read from, or `"<memory>"`; errors of lookups name it.
    public let source: String
    /// The validated header: entries with their stored dtypes, shapes and offsets.
    public let header: SafeTensorsHeader
    /// Every tensor by name, converted to Float32, on the CPU.
    public let tensors: [String: Tensor]

    /// The `"__metadata__"` string map (empty when the file has none).
    public var metadata: [String: String] { header.metadata }
    /// Tensor names in the order of their data in the file.
    public var names: [String] { header.entries.map(\.name) }

    /// The tensor named `name`, checked against `expectedShape` when one is given.
    ///
    /// - Throws: ``SafeTensorsError`` with ``SafeTensorsError/Problem/tensorMissing(available:)``
    ///   or ``SafeTensorsError/Problem/shapeMismatch(expected:found:)``, naming the file and tensor.
    public func tensor(_ name: String, shape expectedShape: [Int]? = nil) throws(SafeTensorsError) -> Tensor {
        guard let tensor = tensors[name] else {
            throw SafeTensorsError(file: source, tensor: name, .tensorMissing(available: names))
        }
        if let expectedShape, expectedShape != tensor.shape {
            throw SafeTensorsError(file: source, tensor: name, .shapeMismatch(expected: expectedShape, found: tensor.shape))
        }
        return tensor
    }
}

/// Reads and writes the safetensors format (huggingface/safetensors), the format of checkpoints
/// and weight fixtures.
///
/// Files are written as the reference writer does (tensors sorted by name, all `F32`, header
/// padded with spaces to 8 bytes) and open with Python's `safetensors` package. Reading accepts
/// every whole-byte dtype of ``SafeTensorsDType`` and converts it to Float32; it validates the
/// whole header before allocating data, so a forged or truncated file is reported, never trusted.
///
/// ```swift
/// try SafeTensors.write(["fc.weight": w, "fc.bias": b], metadata: ["epoch": "3"], to: "ckpt.safetensors")
/// let file = try SafeTensors.read("ckpt.safetensors")
/// let weight = try file.tensor("fc.weight", shape: [4, 8])
/// ```
public enum SafeTensors {
    /// The serialized file contents for `tensors` and `metadata`.
    ///
    /// Tensors may live on any device (they are copied to the host) and have any layout.
    /// - Throws: ``SafeTensorsError`` with ``SafeTensorsError/Problem/reservedName`` when a
    ///   tensor is named `__metadata__`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws(SafeTensorsError) -> [UInt8] {
        let plan = try plan(tensors, metadata: metadata, file: "<memory>")
        var out: [UInt8] = []
        out.reserveCapacity(8 + plan.json.count + plan.header.dataSize)
        withUnsafeBytes(of: UInt64(plan.json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: plan.json)
        for tensor in plan.tensors {
            littleEndian(tensor.scalars).withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Writes `tensors` and `metadata` to `path`, replacing any existing file atomically: the data
    /// goes to a temporary file in the same directory, is flushed to disk, and is then renamed
    /// over `path`, so a crash leaves the old file or the new one, never part of one.
    ///
    /// - Throws: ``SafeTensorsError`` naming `path` for I/O failures (``SafeTensorsError/Problem/io(operation:errno:message:)``)
    ///   and for a tensor named `__metadata__`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String)
        throws(SafeTensorsError)
    {
        let plan = try plan(tensors, metadata: metadata, file: path)
        var prefix: [UInt8] = []
        withUnsafeBytes(of: UInt64(plan.json.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(contentsOf: plan.json)
        do {
            try AtomicFile.replaceAtomically(path) { (file: borrowing AtomicFile.Descriptor) throws(AtomicFile.Failure) in
                try file.writeAll(prefix)
                for tensor in plan.tensors {
                    try file.writeAll(littleEndian(tensor.scalars))
                }
            }
        } catch {
            switch error {
            case .system(let failure), .body(let failure):
                throw ioError(failure, path)
            }
        }
    }

    /// Parses a complete file held in memory.
    ///
    /// - Parameter source: the name used in errors and in ``SafeTensorsFile/source``.
    /// - Throws: ``SafeTensorsError`` for every structural problem (see ``read(_:)``).
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws(SafeTensorsError) -> SafeTensorsFile {
        guard bytes.count >= 8 else { throw SafeTensorsError(file: source, .fileTooShort(size: bytes.count)) }
        let lengthField = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let headerLength = try SafeTensorsHeader.validatedHeaderLength(lengthField, fileSize: bytes.count, file: source)
        let header = try SafeTensorsHeader.parse(
            json: Array(bytes[8..<(8 + headerLength)]),
            dataSize: bytes.count - 8 - headerLength, file: source)
        let tensors = bytes.withUnsafeBytes { raw in
            makeTensors(header, data: UnsafeRawBufferPointer(rebasing: raw[(8 + headerLength)...]))
        }
        return SafeTensorsFile(source: source, header: header, tensors: tensors)
    }

    /// Reads the file at `path` into CPU tensors.
    ///
    /// - Throws: ``SafeTensorsError`` naming `path` (and the tensor, where one is at fault) when the
    ///   file cannot be read, is shorter than 8 bytes, declares a header longer than the limit or
    ///   the file, has a header that is not UTF-8 JSON of the expected form, names an unknown
    ///   dtype, or has offsets that are out of range, overlap, leave gaps, disagree with
    ///   shape × dtype size, or leave bytes over at the end.
    public static func read(_ path: String) throws(SafeTensorsError) -> SafeTensorsFile {
        let file = try open(path)
        let header = try readHeader(of: file, path: path)
        let data = try read(file, count: header.dataSize, at: 8 + header.headerLength, path: path)
        let tensors = data.withUnsafeBytes { makeTensors(header, data: $0) }
        return SafeTensorsFile(source: path, header: header, tensors: tensors)
    }

    /// Reads and validates only the header of the file at `path` (the data is not read), e.g. to
    /// list tensors and metadata or to check a checkpoint before loading it.
    ///
    /// - Throws: ``SafeTensorsError`` as ``read(_:)`` does, except for problems inside the data.
    public static func readHeader(_ path: String) throws(SafeTensorsError) -> SafeTensorsHeader {
        let file = try open(path)
        return try readHeader(of: file, path: path)
    }

    // MARK: - Private

    /// Reads, bounds-checks and parses the header of an open file.
    private static func readHeader(of file: borrowing AtomicFile.Descriptor, path: String) throws(SafeTensorsError)
        -> SafeTensorsHeader
    {
        let size: Int
        do { size = try file.size() } catch { throw ioError(error, path) }
        guard size >= 8 else { throw SafeTensorsError(file: path, .fileTooShort(size: size)) }
        let lengthBytes = try read(file, count: 8, at: 0, path: path)
        let lengthField = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let headerLength = try SafeTensorsHeader.validatedHeaderLength(lengthField, fileSize: size, file: path)
        let json = try read(file, count: headerLength, at: 8, path: path)
        return try SafeTensorsHeader.parse(json: json, dataSize: size - 8 - headerLength, file: path)
    }

    private static func open(_ path: String) throws(SafeTensorsError) -> AtomicFile.Descriptor {
        do { return try AtomicFile.openForReading(path) } catch { throw ioError(error, path) }
    }

    private static func read(
        _ file: borrowing AtomicFile.Descriptor, count: Int, at offset: Int,
        path: String
    ) throws(SafeTensorsError) -> [UInt8] {
        do { return try file.read(count: count, at: offset) } catch { throw ioError(error, path) }
    }

    private static func ioError(_ failure: AtomicFile.Failure, _ path: String) -> SafeTensorsError {
        SafeTensorsError(file: path, .io(operation: failure.operation, errno: failure.errno, message: failure.message))
    }

    /// What to write: the header (entries sorted by name, as the reference writer orders
    /// same-dtype tensors), its JSON bytes, and the tensors in data order.
    private static func plan(
        _ tensors: [String: Tensor], metadata: [String: String],
        file: String
    ) throws(SafeTensorsError) -> (header: SafeTensorsHeader, json: [UInt8], tensors: [Tensor]) {
        if tensors["__metadata__"] != nil {
            throw SafeTensorsError(file: file, tensor: "__metadata__", .reservedName)
        }
        let names = tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var entries: [SafeTensorsEntry] = []
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let byteCount = tensor.count * SafeTensorsDType.f32.byteSize
            entries.append(
                SafeTensorsEntry(name: name, dtype: .f32, shape: tensor.shape, dataOffsets: offset..<(offset + byteCount)))
            offset += byteCount
        }
        let header = SafeTensorsHeader(entries: entries, metadata: metadata, headerLength: 0, dataSize: offset)
        let json = header.encodedJSON()
        if json.count > SafeTensorsHeader.maximumHeaderLength {
            throw SafeTensorsError(
                file: file, .headerTooLarge(declared: UInt64(json.count), limit: SafeTensorsHeader.maximumHeaderLength))
        }
        var finalHeader = header
        finalHeader.headerLength = json.count
        return (finalHeader, json, names.map { tensors[$0]! })
    }

    /// Converts every entry of a validated header from `data` (the data section) to a tensor.
    private static func makeTensors(_ header: SafeTensorsHeader, data: UnsafeRawBufferPointer) -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for entry in header.entries {
            let bytes = UnsafeRawBufferPointer(rebasing: data[entry.dataOffsets])
            let scalars = entry.dtype.decode(bytes, count: entry.elementCount)
            tensors[entry.name] = Tensor(shape: entry.shape, scalars: scalars)
        }
        return tensors
    }

    /// `scalars` ready to be stored as little-endian bytes (the array itself on little-endian hosts).
    private static func littleEndian(_ scalars: [Float]) -> [Float] {
        #if _endian(little)
        return scalars
        #else
        return scalars.map { Float(bitPattern: $0.bitPattern.littleEndian) }
        #endif
    }
}
