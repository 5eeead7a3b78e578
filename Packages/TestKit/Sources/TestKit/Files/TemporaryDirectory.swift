import FoundationEssentials

/// A fresh, empty directory under the system's temporary directory, removed with everything in
/// it when the value is released (or by ``remove()``).
///
/// Prefer ``withTemporaryDirectory(prefix:_:)``, which removes the directory when the body returns or throws.
public final class TemporaryDirectory: Sendable {
    /// Absolute path of the directory.
    public let path: String

    /// Creates the directory `<tmp>/<prefix>-<UUID>`.
    /// - Throws: the file system's error when the directory cannot be created.
    public init(prefix: String = "testkit") throws {
        let url = FileManager.default.temporaryDirectory.appending(path: "\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    /// The path of `name` inside the directory (nothing is created).
    public func file(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    /// Removes the directory and its contents now (nothing happens when it is already gone).
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { remove() }
}

/// Runs `body` with a fresh temporary directory and removes it (with its contents) afterwards,
/// whether `body` returns or throws.
///
/// ```swift
/// try withTemporaryDirectory { directory in
///     try trainer.saveCheckpoint(to: directory.file("epoch-1.safetensors"))
/// }
/// ```
/// - Throws: the file system's error when the directory cannot be created, or what `body` throws.
public func withTemporaryDirectory<T>(prefix: String = "testkit", _ body: (TemporaryDirectory) throws -> T) throws -> T {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { directory.remove() }
    return try body(directory)
}
