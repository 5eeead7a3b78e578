import DeepTrustSystem

/// The log directory of one training run, held for that run alone.
///
/// A log directory belongs to one run: a new run refuses a directory that holds an earlier run's
/// files (checkpoints, event files, image grids) unless it continues that run from its latest
/// checkpoint, or the caller asks to delete the earlier run first (``Mode/overwrite``). Concurrent
/// writers are excluded by an advisory lock (`flock`) on the file ``lockFileName`` in the
/// directory, which holds the process id of the run that owns it. Opening the directory also
/// removes temporary files that a killed run left behind (`.checkpoint_*.safetensors.tmp-*`,
/// `*.png.tmp-*`). A start that is refused later (bad data, a bad checkpoint) calls ``abandon(created:)``
/// and leaves nothing behind.
///
/// ```swift
/// let directory = try RunDirectory(path: "results", mode: .newRun)
/// defer { directory.release() }
/// ```
public final class RunDirectory {
    /// How the run uses the directory.
    public enum Mode: Sendable, Hashable {
        /// A new run: the directory must not hold an earlier run.
        case newRun
        /// A new run that deletes the earlier run's files first (``removeEarlierRun(keeping:)``).
        case overwrite
        /// A run resumed from `checkpoint`: when the checkpoint lies in this directory, the run
        /// continues there and the checkpoint must be the directory's latest; otherwise the
        /// directory must not hold an earlier run, as for ``newRun``.
        case resume(checkpoint: String)
    }

    /// The name of the lock file in the directory.
    public static let lockFileName = ".deeptrust-run.lock"

    /// The directory.
    public let path: String
    /// The earlier run's files found when the directory was opened (names), for ``Mode/overwrite``.
    public let earlierRunFiles: [String]
    /// The temporary files of a killed write that opening the directory removed (names).
    public let removedTemporaryFiles: [String]

    private var lockDescriptor: Int32
    private let createdLockFile: Bool
    private let createdDirectories: [String]

    /// Creates the directory if needed, locks it and checks it against `mode`.
    /// - Throws: ``RunDirectoryError`` naming the directory: it cannot be created or locked, another
    ///   process holds it (with that process's id), it holds an earlier run, or (resuming) later
    ///   checkpoints than the one resumed from.
    public init(path: String, mode: Mode) throws(RunDirectoryError) {
        self.path = path
        let madeDirectories: [String]
        do {
            madeDirectories = try makeDirectories(atPath: path)
        } catch {
            for directory in error.created.reversed() { rmdir(directory) }
            throw .cannotCreate(path: error.path, reason: error.reason)
        }
        var cleanupOnFailure = true
        var descriptor: Int32 = -1
        var created = false
        defer {
            if cleanupOnFailure {
                if descriptor >= 0 {
                    if created { unlink(Self.join(path, Self.lockFileName)) }
                    close(descriptor)
                }
                for directory in madeDirectories.reversed() { rmdir(directory) }
            }
        }
        (descriptor, created) = try Self.lock(path)
        let names = try Self.entries(of: path)
        var removed: [String] = []
        for name in names where Self.isTemporary(name) {
            if unlink(Self.join(path, name)) == 0 { removed.append(name) }
        }
        let earlier = names.filter(Self.belongsToARun).sorted()
        switch mode {
        case .newRun:
            if !earlier.isEmpty { throw .holdsEarlierRun(directory: path, files: earlier) }
        case .overwrite:
            break
        case .resume(let checkpoint):
            if Self.sameDirectory(Self.directory(of: checkpoint), path) {
                let resumed = Self.name(of: checkpoint)
                if let epoch = CheckpointFiles.epoch(ofFileNamed: resumed) {
                    let later = earlier.filter { (CheckpointFiles.epoch(ofFileNamed: $0) ?? -1) > epoch }
                    if !later.isEmpty {
                        throw .laterCheckpoints(directory: path, resumed: resumed, later: later)
                    }
                } else if let latest = earlier.compactMap(CheckpointFiles.epoch(ofFileNamed:)).max() {
                    throw .laterCheckpoints(directory: path, resumed: resumed, later: [CheckpointFiles.name(epoch: latest)])
                }
            } else if !earlier.isEmpty {
                throw .holdsEarlierRun(directory: path, files: earlier)
            }
        }
        earlierRunFiles = earlier
        removedTemporaryFiles = removed
        lockDescriptor = descriptor
        createdLockFile = created
        createdDirectories = madeDirectories
        cleanupOnFailure = false
    }

    deinit { release() }

    /// Deletes the earlier run's files (``earlierRunFiles``) except `keeping` (paths this run has
    /// written already, such as its new event file).
    /// - Throws: ``RunDirectoryError/cannotRemove(path:reason:)``.
    public func removeEarlierRun(keeping: [String] = []) throws(RunDirectoryError) {
        let kept = Set(keeping.map(Self.name(of:)))
        for name in earlierRunFiles where !kept.contains(name) {
            let file = Self.join(path, name)
            if unlink(file) != 0 && errno != ENOENT {
                throw .cannotRemove(path: file, reason: systemErrorMessage(errno))
            }
        }
    }

    /// For a start that was refused: removes `created` (files this run made, e.g. its empty event
    /// file), the lock file when this run made it, and the directories this run created, then
    /// releases the lock. Failures are ignored (nothing more can be done about them).
    public func abandon(created: [String]) {
        for file in created { unlink(file) }
        if lockDescriptor >= 0 && createdLockFile { unlink(Self.join(path, Self.lockFileName)) }
        release()
        for directory in createdDirectories.reversed() { rmdir(directory) }
    }

    /// Releases the lock (the lock file stays); later calls do nothing.
    public func release() {
        guard lockDescriptor >= 0 else { return }
        close(lockDescriptor)
        lockDescriptor = -1
    }

    // MARK: - Files

    /// Whether `name` is a file a run writes: a checkpoint, an event file or an image grid.
    static func belongsToARun(_ name: String) -> Bool {
        if CheckpointFiles.epoch(ofFileNamed: name) != nil { return true }
        if name.hasPrefix("events.out.tfevents.") { return true }
        for prefix in ["reconstructions_", "samples_"] where name.hasPrefix(prefix) && name.hasSuffix(".png") {
            let digits = name.dropFirst(prefix.count).dropLast(4)
            if !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        }
        return false
    }

    /// Whether `name` is the temporary file of a checkpoint or image write that did not finish.
    static func isTemporary(_ name: String) -> Bool {
        name.contains(".safetensors.tmp-") || name.contains(".png.tmp-")
    }

    // MARK: - Private

    /// Opens (creating if needed) and locks the lock file, and writes this process's id into it.
    private static func lock(_ directory: String) throws(RunDirectoryError) -> (descriptor: Int32, created: Bool) {
        let file = join(directory, lockFileName)
        for _ in 0..<100 {
            var created = true
            var descriptor = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor < 0 && errno == EEXIST {
                created = false
                descriptor = open(file, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
            }
            guard descriptor >= 0 else {
                if errno == ENOENT { continue }  // removed between the two opens
                throw .cannotLock(path: file, reason: systemErrorMessage(errno))
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                // The holder writes its id right after locking: give it a moment (at most 0.2 s).
                var holder = readProcessID(descriptor)
                for _ in 0..<200 where holder == nil && code == EWOULDBLOCK {
                    usleep(1000)
                    holder = readProcessID(descriptor)
                }
                close(descriptor)
                if code == EWOULDBLOCK { throw .inUse(directory: directory, processID: holder) }
                throw .cannotLock(path: file, reason: systemErrorMessage(code))
            }
            // A run that gave up may have removed the file after we opened it: lock the current one.
            var held = stat(), current = stat()
            guard fstat(descriptor, &held) == 0, stat(file, &current) == 0, held.st_ino == current.st_ino,
                held.st_dev == current.st_dev
            else {
                close(descriptor)
                continue
            }
            let text = Array("\(getpid())\n".utf8)
            _ = ftruncate(descriptor, 0)
            _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
            return (descriptor, created)
        }
        throw .cannotLock(path: file, reason: "the lock file keeps being replaced")
    }

    private static func readProcessID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first ?? "")
    }

    private static func entries(of directory: String) throws(RunDirectoryError) -> [String] {
        do {
            return try directoryEntries(atPath: directory)
        } catch {
            throw .cannotCreate(path: directory, reason: "cannot list it: \(systemErrorMessage(error.errno))")
        }
    }

    private static func sameDirectory(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// The directory part of `path` (`.` for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func name(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// Why a ``RunDirectory`` cannot be used for a run; every case names the directory or file.
public enum RunDirectoryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The directory (or a parent) cannot be created or listed.
    case cannotCreate(path: String, reason: String)
    /// The lock file cannot be created or locked.
    case cannotLock(path: String, reason: String)
    /// Another process holds the directory's lock (its id, when the lock file names it).
    case inUse(directory: String, processID: Int32?)
    /// The directory holds files of an earlier run (names, sorted).
    case holdsEarlierRun(directory: String, files: [String])
    /// Resuming from `resumed` would overwrite the later checkpoints of the same run.
    case laterCheckpoints(directory: String, resumed: String, later: [String])
    /// A file of the earlier run cannot be deleted.
    case cannotRemove(path: String, reason: String)

    /// Whether the command line has to change (a directory already used), rather than the system.
    public var isUsageError: Bool {
        switch self {
        case .holdsEarlierRun, .laterCheckpoints: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            return "log directory \(path): cannot create it: \(reason)"
        case .cannotLock(let path, let reason):
            return "log directory lock \(path): \(reason)"
        case .inUse(let directory, let processID):
            return "log directory \(directory) is in use by another run "
                + (processID.map { "(process \($0))" } ?? "(process unknown)")
                + "; wait for it to end, or choose another log directory"
        case .holdsEarlierRun(let directory, let files):
            let shown = files.prefix(3).joined(separator: ", ") + (files.count > 3 ? ", … (\(files.count) files)" : "")
            return "log directory \(directory) holds an earlier run (\(shown)); a log directory belongs to one run: "
                + "continue it with --resume \(directory), delete it with --overwrite, or choose another --log-dir"
        case .laterCheckpoints(let directory, let resumed, let later):
            return "resuming from \(resumed) in \(directory) would overwrite the run's later checkpoints "
                + "(\(later.prefix(3).joined(separator: ", "))\(later.count > 3 ? ", …" : "")); resume from the latest "
                + "(--resume \(directory)) or write the resumed run to another --log-dir"
        case .cannotRemove(let path, let reason):
            return "\(path): cannot delete the earlier run's file: \(reason)"
        }
    }
}
