import DeepTrustSystem
import TensorCore

/// Names of the files a trainer writes per epoch into its output directory, and finding the
/// latest checkpoint there.
public enum CheckpointFiles {
    /// `checkpoint_<NNN>.safetensors` with the 0-based epoch in three digits (more when needed):
    /// `checkpoint_000.safetensors` is written after the first epoch.
    public static func name(epoch: Int) -> String {
        "checkpoint_\(padded(epoch)).safetensors"
    }

    /// `directory/checkpoint_<NNN>.safetensors`.
    public static func path(in directory: String, epoch: Int) -> String {
        join(directory, name(epoch: epoch))
    }

    /// `directory/<name>_<epoch>.png`, e.g. `results/samples_004.png`.
    public static func imagePath(in directory: String, name: String, epoch: Int) -> String {
        join(directory, "\(name)_\(padded(epoch)).png")
    }

    /// The checkpoint of the highest epoch in `directory`, or `nil` when there is none (or the
    /// directory cannot be listed).
    public static func latest(in directory: String) -> String? {
        guard let names = try? directoryEntries(atPath: directory) else { return nil }
        return names.compactMap(epoch(ofFileNamed:)).max().map { path(in: directory, epoch: $0) }
    }

    /// The checkpoint to resume from given a file or a directory: the file itself, or the latest
    /// checkpoint in the directory.
    /// - Throws: ``CheckpointError/noCheckpoint(directory:)`` for a directory without one.
    ///   (A path that is not a regular file is refused when it is read, see ``requireRegularFile(_:)``.)
    public static func resolve(_ path: String) throws(CheckpointError) -> String {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return path }
        guard let latest = latest(in: path) else { throw .noCheckpoint(directory: path) }
        return latest
    }

    /// Refuses anything but a regular file (following symbolic links) before it is opened: opening
    /// a FIFO would wait forever for a writer, a device would be read without end.
    /// - Throws: ``CheckpointError/notARegularFile(file:kind:)``; ``CheckpointError/file(_:)``
    ///   when the path cannot be examined (missing, no permission).
    public static func requireRegularFile(_ path: String) throws(CheckpointError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw .file(
                SafeTensorsError(file: path, .io(operation: "open", errno: code, message: systemErrorMessage(code))))
        }
        let kinds: [mode_t: String] = [
            S_IFDIR: "a directory", S_IFIFO: "a FIFO (named pipe)", S_IFCHR: "a character device",
            S_IFBLK: "a block device", S_IFSOCK: "a socket",
        ]
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else { throw .notARegularFile(file: path, kind: kinds[type] ?? "a special file") }
    }

    /// The whole regular file at `path`.
    /// - Throws: ``CheckpointError/file(_:)`` naming the path and the system's reason.
    static func readAll(_ path: String) throws(CheckpointError) -> [UInt8] {
        func failure(_ operation: String) -> CheckpointError {
            let code = errno
            return .file(
                SafeTensorsError(file: path, .io(operation: operation, errno: code, message: systemErrorMessage(code))))
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw failure("open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(file: path, kind: "a special file") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                if got == 0 { return Array(bytes[..<done]) }
                throw failure("read")
            }
            done += got
        }
        return bytes
    }

    /// The epoch of a file named `checkpoint_<digits>.safetensors`, else `nil`.
    static func epoch(ofFileNamed name: String) -> Int? {
        let prefix = "checkpoint_", suffix = ".safetensors"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    private static func padded(_ epoch: Int) -> String {
        let digits = String(epoch)
        return digits.count >= 3 ? digits : String(repeating: "0", count: 3 - digits.count) + digits
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
