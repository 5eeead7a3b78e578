/// Why ``makeDirectories(atPath:)`` could not create a directory.
///
/// A struct rather than an enum: one failure carries the place (``path``), the cause (``errno``,
/// ``reason``) and what the call had already done (``created``), which the caller may undo.
public struct DirectoryCreationError: Error, Sendable, CustomStringConvertible {
    /// The directory (a prefix of the path asked for) that could not be created.
    public var path: String
    /// The `errno` of the failure (`EEXIST` when a file that is no directory is in the way).
    public var errno: Int32
    /// `"exists and is not a directory"`, or the C library's message for ``errno``.
    public var reason: String
    /// The directories this call created before it failed, outermost first.
    public var created: [String]

    /// `"<path>: cannot create it: <reason>"`.
    public var description: String { "\(path): cannot create it: \(reason)" }
}

/// `mkdir -p path`: creates `path` and its missing parents with mode 0755 (less the umask).
///
/// Existing directories (also through symbolic links) are accepted. A component that exists and is
/// no directory, or that `mkdir` refuses, stops the walk; nothing created so far is removed (the
/// error lists it).
///
/// - Returns: the directories it created, outermost first (empty when `path` already existed).
/// - Throws: ``DirectoryCreationError`` naming the first directory that could not be made.
@discardableResult
public func makeDirectories(atPath path: String) throws(DirectoryCreationError) -> [String] {
    var created: [String] = []
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        prefix += component
        if mkdir(prefix, 0o755) == 0 {
            created.append(prefix)
        } else {
            var code = errno
            var info = stat()
            let examined = stat(prefix, &info) == 0
            if !examined && code == EEXIST { code = errno }  // e.g. a loop of symbolic links
            if !(examined && info.st_mode & S_IFMT == S_IFDIR) {
                let reason = examined && code == EEXIST ? "exists and is not a directory" : systemErrorMessage(code)
                throw DirectoryCreationError(path: prefix, errno: code, reason: reason, created: created)
            }
        }
        prefix += "/"
    }
    return created
}
