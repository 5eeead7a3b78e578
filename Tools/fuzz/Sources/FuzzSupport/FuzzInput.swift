// libFuzzer runs on Linux with glibc here; the harnesses need nothing else. DeepTrustSystem
// re-exports Glibc and reads the environment.
import DeepTrustSystem

/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`, as an array.
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the fuzzer with `message` when a property of the parser under test does not hold.
/// libFuzzer treats the abort as a crash and saves the input that caused it.
public func fuzzRequire(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        printError("fuzz property violated: \(message())")
        abort()
    }
}

/// Writes `message` and a newline to standard error.
func printError(_ message: String) {
    let line = Array((message + "\n").utf8)
    line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
}

/// A file in a private temporary directory that each input is written to, so that parsers
/// taking a path read exactly the bytes under test. The harness makes one at start-up; it is
/// removed at exit (`Tools/fuzz/run` also removes it after a crash). The directory lies under
/// `FUZZ_SCRATCH_DIR` when set, else in memory (`/dev/shm`) where there is one: on a disk, writing
/// every input costs more than parsing it.
public final class ScratchFile: Sendable {
    /// The directory holding the file (for readers that take a run directory).
    public let directory: String
    /// The file's path.
    public let path: String

    /// A scratch file named `name` (an event reader needs "tfevents" in the name, for example).
    public init(name: String) {
        let base =
            environmentVariable("FUZZ_SCRATCH_DIR")
            ?? (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (environmentVariable("TMPDIR") ?? "/tmp"))
        var template = Array("\(base)/deeptrust-fuzz-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            printError("fuzz: cannot create a temporary directory: \(systemErrorMessage(errno))")
            exit(2)
        }
        directory = String(cString: created)
        path = directory + "/" + name
        Self.register(directory: directory, file: path)
    }

    /// Replaces the file's content with `bytes`.
    public func write(_ bytes: [UInt8]) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            printError("fuzz: cannot write \(path): \(systemErrorMessage(errno))")
            exit(2)
        }
        defer { close(descriptor) }
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { printError("fuzz: cannot write \(path)"); exit(2) }
                written += n
            }
        }
    }

    // nonisolated(unsafe): appended to only while a harness creates its scratch file (a global
    // initialised on the fuzzing thread before the first input), read by the exit handler after
    // fuzzing has stopped; no two threads ever touch it at once.
    nonisolated(unsafe) private static var created: [(directory: String, file: String)] = []

    private static func register(directory: String, file: String) {
        created.append((directory, file))
        if created.count == 1 {
            atexit {
                for (directory, file) in ScratchFile.created {
                    unlink(file)
                    rmdir(directory)
                }
            }
        }
    }
}
