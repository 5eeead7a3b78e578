import DeepTrustSystem

/// The directory where a collection's files are looked for (and downloaded to), and why that one.
public struct DataDirectory: Sendable, Hashable, CustomStringConvertible {
    /// How the directory was chosen.
    public enum Origin: Sendable, Hashable {
        /// Passed by the caller (a flag or an argument).
        case explicit
        /// Read from an environment variable such as `MNIST_DIR`.
        case environment(variable: String)
        /// The per-user cache: `$XDG_CACHE_HOME/deeptrust/<folder>` or `~/.cache/deeptrust/<folder>`.
        case userCache
    }

    /// The directory, as given or resolved (not checked to exist).
    public var path: String
    /// How it was chosen, for messages that say where files were looked for.
    public var origin: Origin

    /// A directory chosen as `origin` says.
    public init(path: String, origin: Origin) {
        self.path = path
        self.origin = origin
    }

    /// The directory for `collection`: `explicit` when given, else the collection's environment
    /// variable (e.g. `MNIST_DIR`) when set and not empty, else the per-user cache directory
    /// (`$XDG_CACHE_HOME/deeptrust/<folder>` when that variable holds an absolute path, else
    /// `$HOME/.cache/deeptrust/<folder>`, with the home directory from the password database when
    /// `HOME` is unset).
    ///
    /// - Parameter environment: looks up a variable; defaults to the process environment.
    public static func resolve(
        for collection: IDXCollection, explicit: String? = nil,
        environment: (String) -> String? = processEnvironment
    ) -> DataDirectory {
        if let explicit, !explicit.isEmpty { return DataDirectory(path: explicit, origin: .explicit) }
        if let value = environment(collection.directoryVariable), !value.isEmpty {
            return DataDirectory(path: value, origin: .environment(variable: collection.directoryVariable))
        }
        let cacheRoot: String
        if let xdg = environment("XDG_CACHE_HOME"), xdg.hasPrefix("/") {
            cacheRoot = xdg
        } else {
            cacheRoot = joinPath(
                environment("HOME").flatMap { $0.isEmpty ? nil : $0 } ?? passwordHomeDirectory() ?? "/tmp",
                ".cache")
        }
        return DataDirectory(path: joinPath(joinPath(cacheRoot, "deeptrust"), collection.cacheFolder), origin: .userCache)
    }

    /// The process's environment variable `name`, if set.
    public static func processEnvironment(_ name: String) -> String? {
        environmentVariable(name)
    }

    /// Where `file` is in this directory: `<name>` (raw) if it exists, else `<name>.gz`, else nil.
    public func existingPath(of file: IDXCollection.File) -> String? {
        for candidate in [joinPath(path, file.name), joinPath(path, file.name + ".gz")] where isRegularFile(candidate) {
            return candidate
        }
        return nil
    }

    /// `path (from MNIST_DIR)`, `path (explicit)` or `path (per-user cache)`.
    public var description: String {
        switch origin {
        case .explicit: return "\(path) (given explicitly)"
        case .environment(let variable): return "\(path) (from \(variable))"
        case .userCache: return "\(path) (per-user cache)"
        }
    }

    private static func passwordHomeDirectory() -> String? {
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        let text = String(cString: directory)
        return text.isEmpty ? nil : text
    }
}

/// `directory/name`, without doubling a trailing slash.
func joinPath(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

/// True when `path` names an existing regular file (following symbolic links).
func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
}
