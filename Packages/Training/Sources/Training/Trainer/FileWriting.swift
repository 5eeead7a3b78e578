#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing the trainer's image files: through a temporary file in the same directory, flushed and
/// renamed over the destination, so a reader never sees half a file. (POSIX calls rather than
/// Foundation's `Data.write`, whose temporary-file code brings `mktemp` into static builds.)
enum FileWriting {
    /// Creates `path`'s parent directories as needed and writes `bytes` there atomically.
    /// - Throws: ``TrainingError/cannotWrite(path:reason:)`` naming the path and the system's reason.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(TrainingError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        // `.<name>.tmp-<pid>-<random>`, as checkpoints are written, with the mode of every other
        // file (0644 less the umask; mkstemp's 0600 made the grids unreadable to others).
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(directory).\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(path, "create a temporary file") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = failure(path, "write")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = failure(path, "flush")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "rename the temporary file over")
            unlink(temporary)
            throw error
        }
    }

    /// `mkdir -p`.
    private static func makeDirectories(_ path: String) throws(TrainingError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw failure(prefix, "create the directory") }
            prefix += "/"
        }
    }

    private static func failure(_ path: String, _ operation: String) -> TrainingError {
        .cannotWrite(path: path, reason: "cannot \(operation): \(String(cString: strerror(errno)))")
    }
}
