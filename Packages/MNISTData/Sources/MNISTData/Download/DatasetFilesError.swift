/// A dataset's files could not be found, downloaded or stored.
public enum DatasetFilesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Files are missing from the directory and downloading was not asked for.
    case missing(collection: IDXCollection, directory: DataDirectory, files: [String])
    /// Files are missing and every mirror failed for `file` (`attempts` says why, per URL).
    case downloadFailed(
        collection: IDXCollection, directory: DataDirectory, file: String,
        missing: [String], attempts: [DownloadAttempt])
    /// A directory or file could not be created or written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let collection, let directory, let files):
            return "\(collection.name) files missing: \(directory) has no \(files.joined(separator: ", ")) "
                + "(raw or .gz). \(Self.placementAdvice(collection))"
        case .downloadFailed(let collection, let directory, let file, let missing, let attempts):
            let tried = attempts.map { "  - \($0)" }.joined(separator: "\n")
            return "\(collection.name) files missing: \(directory) has no \(missing.joined(separator: ", ")) "
                + "(raw or .gz), and downloading \(file) failed (offline?):\n\(tried)\n"
                + Self.placementAdvice(collection)
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write: \(reason)"
        }
    }

    /// Where to put which files, for the messages above.
    static func placementAdvice(_ collection: IDXCollection) -> String {
        let names = collection.allFiles.map { $0.name + ".gz" }.joined(separator: ", ")
        return "Put the four \(collection.name) files \(names) (raw, without .gz, works too) into one directory "
            + "and set \(collection.directoryVariable) to it (or pass the directory explicitly)."
    }
}
