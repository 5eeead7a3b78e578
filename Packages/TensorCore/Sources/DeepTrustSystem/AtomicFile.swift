/// POSIX file access: bounded reads, and writes that replace a file atomically.
///
/// ``replaceAtomically(_:write:)`` writes to a temporary file in the destination's directory
/// (mode 0644 less the umask), flushes it to disk (`fsync`), renames it over the destination and
/// flushes the directory, so that after a crash the destination holds either the old or the new
/// contents, never a mix.
public enum AtomicFile {
    /// The failure of one system call.
    public typealias Failure = SystemCallError

    /// An open file descriptor with helpers for complete reads and writes; closed when it goes away.
    public struct Descriptor: ~Copyable {
        /// The descriptor number.
        public let fd: Int32

        /// Takes ownership of the open descriptor `fd`.
        public init(fd: Int32) { self.fd = fd }

        deinit { _ = systemClose(fd) }

        /// Writes all of `bytes`, retrying short writes and interrupted calls.
        /// - Throws: ``SystemCallError`` for `"write"`.
        public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
            var done = 0
            while done < bytes.count {
                let written = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(operation: "write", errno: errno)
                }
                done += written
            }
        }

        /// Writes the memory of all elements of `array`.
        /// - Throws: ``SystemCallError`` for `"write"`.
        public func writeAll<Element: BitwiseCopyable>(_ array: [Element]) throws(Failure) {
            let failure: Failure? = array.withUnsafeBytes { bytes in
                do throws(Failure) { try writeAll(bytes) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }

        /// Reads exactly `count` bytes at byte `offset`.
        /// - Throws: ``SystemCallError`` for `"read"`; with `EIO` when the file ends first.
        public func read(count: Int, at offset: Int) throws(Failure) -> [UInt8] {
            var result = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = result.withUnsafeMutableBytes { buffer in
                    pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw Failure(operation: "read", errno: errno)
                }
                if got == 0 { throw Failure(operation: "read (file shrank while reading)", errno: EIO) }
                done += got
            }
            return result
        }

        /// Size of the file in bytes.
        /// - Throws: ``SystemCallError`` for `"stat"`.
        public func size() throws(Failure) -> Int {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw Failure(operation: "stat", errno: errno) }
            return Int(info.st_size)
        }
    }

    /// Opens `path` for reading.
    /// - Throws: ``SystemCallError`` for `"open"`.
    public static func openForReading(_ path: String) throws(Failure) -> Descriptor {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "open", errno: errno) }
        return Descriptor(fd: fd)
    }

    /// Replaces `path` with what `write` produces, atomically (see the type's description).
    ///
    /// The temporary file is named `.<name>.tmp-<pid>-<random>` next to `path` and is removed
    /// when `write` or any system call fails; the error of `write` is rethrown unchanged.
    /// - Throws: ``AtomicWriteError/body(_:)`` with the error of `write`, or
    ///   ``AtomicWriteError/system(_:)`` for `"create <temporary>"` (with ``SystemCallError/path``
    ///   the temporary file), `"fsync"` or `"rename"`.
    public static func replaceAtomically<E: Error>(
        _ path: String, write: (borrowing Descriptor) throws(E) -> Void
    ) throws(AtomicWriteError<E>) {
        let (directory, name) = splitPath(path)
        let temporary = "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system(Failure(operation: "create \(temporary)", errno: errno, path: temporary)) }
        do throws(AtomicWriteError<E>) {
            do {
                let descriptor = Descriptor(fd: fd)
                do throws(E) {
                    try write(descriptor)
                } catch {
                    throw .body(error)
                }
                guard fsync(descriptor.fd) == 0 else { throw .system(Failure(operation: "fsync", errno: errno)) }
            }
            guard rename(temporary, path) == 0 else { throw .system(Failure(operation: "rename", errno: errno)) }
        } catch {
            unlink(temporary)
            throw error
        }
        // The rename is durable once the directory entry is on disk; a directory that cannot
        // be opened or synced (some file systems refuse) leaves the new file in place anyway.
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            _ = systemClose(directoryFD)
        }
    }

    /// Replaces `path` with `bytes`, atomically (see ``replaceAtomically(_:write:)``).
    /// - Throws: ``SystemCallError`` for `"create <temporary>"`, `"write"`, `"fsync"` or `"rename"`.
    public static func replace(_ path: String, with bytes: [UInt8]) throws(Failure) {
        do {
            try replaceAtomically(path) { (file: borrowing Descriptor) throws(Failure) in try file.writeAll(bytes) }
        } catch {
            switch error {
            case .system(let failure), .body(let failure): throw failure
            }
        }
    }

    /// `("dir", "name")` for `"dir/name"`; `(".", "name")` for a bare name; `("/", "name")` for `"/name"`.
    public static func splitPath(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

/// Why ``AtomicFile/replaceAtomically(_:write:)`` failed: a system call, or the caller's writer.
public enum AtomicWriteError<Body: Error>: Error {
    /// A system call failed (creating the temporary file, `fsync`, `rename`).
    case system(SystemCallError)
    /// The caller's `write` closure threw this error.
    case body(Body)
}

// Module-qualified wrappers: inside the types above, `close`/`write` would name members.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, pointer, count) }
