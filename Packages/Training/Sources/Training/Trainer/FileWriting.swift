import DeepTrustSystem

/// Writing the trainer's image files: through a temporary file in the same directory, flushed and
/// renamed over the destination, so a reader never sees half a file. (POSIX calls rather than
/// Foundation's `Data.write`, whose temporary-file code brings `mktemp` into static builds.)
enum FileWriting {
    /// Creates `path`'s parent directories as needed and writes `bytes` there atomically (a
    /// temporary `.<name>.tmp-<pid>-<random>` beside it, as checkpoints are written, with the mode
    /// of every other file: 0644 less the umask).
    /// - Throws: ``TrainingError/cannotWrite(path:reason:)`` naming the path and the system's reason.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(TrainingError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            do {
                try makeDirectories(atPath: String(path[..<slash]))
            } catch {
                throw .cannotWrite(path: error.path, reason: "cannot create the directory: \(error.reason)")
            }
        }
        do {
            try AtomicFile.replace(path, with: bytes)
        } catch {
            let operation =
                switch error.operation {
                case "write": "write"
                case "fsync": "flush"
                case "rename": "rename the temporary file over"
                default: "create a temporary file"
                }
            throw .cannotWrite(path: path, reason: "cannot \(operation): \(error.message)")
        }
    }
}
