#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates `path` and any missing parent directories (like `mkdir -p`).
/// - Throws: ``DatasetFilesError/cannotWrite(path:reason:)``.
func createDirectories(_ path: String) throws(DatasetFilesError) {
    var info = stat()
    if stat(path, &info) == 0 {
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .cannotWrite(path: path, reason: "exists and is not a directory") }
        return
    }
    var parent = path
    while parent.hasSuffix("/") && parent.count > 1 { parent.removeLast() }
    if let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
        try createDirectories(String(parent[..<slash]))
    }
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw .cannotWrite(path: path, reason: systemErrorMessage(errno))
    }
}

/// Writes `bytes` to `path` so that readers see either the old file or the complete new one:
/// the data goes to a temporary file in the same directory, is flushed to disk, and is then renamed
/// over `path`. The temporary file is removed on failure.
/// - Throws: ``DatasetFilesError/cannotWrite(path:reason:)``.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(DatasetFilesError) {
    let temporary = "\(path).part-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .cannotWrite(path: temporary, reason: systemErrorMessage(errno)) }
    var failure: String?
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failure = systemErrorMessage(errno)
                return
            }
            offset += n
        }
    }
    if failure == nil && fsync(fd) != 0 { failure = systemErrorMessage(errno) }
    if close(fd) != 0 && failure == nil { failure = systemErrorMessage(errno) }
    if failure == nil && rename(temporary, path) != 0 { failure = systemErrorMessage(errno) }
    if let failure {
        unlink(temporary)
        throw .cannotWrite(path: path, reason: failure)
    }
}
