// DeepTrustSystem is internal to DeepTrust, as `_NumericsShims` is to swift-numerics: the one home
// of the C library import and of the small POSIX helpers every package needs (environment, errno
// messages, `mkdir -p`, atomic file writes, threads, a condition lock) and of the edit distance
// behind "did you mean". It is a product only so that the other packages of this repository can
// use it; it is no API for users and may change without notice. It imports no Foundation, so static GPU binaries stay small.

// Re-exported so that a file importing DeepTrustSystem gets the C library (Glibc, Musl or Darwin)
// without repeating the `#if canImport` block; every helper here works on its types (errno,
// stat, file descriptors), which callers use alongside.
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Musl)
@_exported import Musl
#elseif canImport(Darwin)
@_exported import Darwin
#endif

/// The value of the process's environment variable `name`, or `nil` when it is not set.
///
/// An empty value is returned as `""`; callers that treat it as unset say so themselves.
public func environmentVariable(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// The C library's message for the error number `code` (e.g. "No such file or directory"), or
/// `"error <code>"` when the library has none.
public func systemErrorMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// The failure of one system call: what was attempted and the `errno` it set.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    /// What failed, e.g. `"open"`, `"write"`, `"fsync"`, `"rename"`, `"create <temporary file>"`.
    public var operation: String
    /// The `errno` value the call set.
    public var errno: Int32
    /// The file the call was about when it is not the one the caller named (a temporary file).
    public var path: String?

    /// A failure of `operation` with `errno`; `path` names the file when it is not the caller's.
    public init(operation: String, errno: Int32, path: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.path = path
    }

    /// The C library's message for ``errno``.
    public var message: String { systemErrorMessage(errno) }

    /// `"<operation> failed: <message> (errno <n>)"`.
    public var description: String { "\(operation) failed: \(message) (errno \(errno))" }
}
