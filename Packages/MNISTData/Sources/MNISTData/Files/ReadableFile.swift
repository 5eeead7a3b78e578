import DeepTrustSystem

/// `read(2)` under a name that the ``ReadableFile/read(into:)`` method does not shadow.
private func readDescriptor(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, base, count)
}

/// A file opened for reading with the C library, closed when the value goes away.
///
/// Used instead of Foundation's `FileHandle` so that reading stays in streaming chunks with exact
/// error messages (`errno`) and the core target needs no full Foundation.
final class ReadableFile {
    let path: String
    private let descriptor: Int32
    /// Size in bytes when the file was opened.
    let size: Int

    /// Opens `path` for reading.
    /// - Throws: ``IDXError/cannotOpen(file:reason:)`` naming the path and the system's reason.
    init(path: String) throws(IDXError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(file: path, reason: systemErrorMessage(errno)) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = systemErrorMessage(errno)
            close(fd)
            throw .cannotOpen(file: path, reason: reason)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .cannotOpen(file: path, reason: "not a regular file")
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads up to `buffer.count` bytes at the current position; 0 means end of file.
    /// - Throws: ``IDXError/readFailed(file:reason:)``.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IDXError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = readDescriptor(descriptor, base, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw .readFailed(file: path, reason: systemErrorMessage(errno))
        }
    }

    /// Reads `count` bytes at absolute `offset` without moving the read position (fewer at the end).
    func read(count: Int, at offset: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let n = pread(descriptor, buffer.baseAddress, count, off_t(offset))
            initialized = max(0, n)
        }
    }
}
