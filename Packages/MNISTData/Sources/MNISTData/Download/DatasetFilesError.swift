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
    /// The data directory exists but cannot hold the files (a regular file, a FIFO, a device, not
    /// readable), or does not exist where nothing may be downloaded; `reason` says which.
    case unusableDirectory(collection: IDXCollection, directory: DataDirectory, reason: String)
    /// A data file's name is taken by something that is not a regular file (a directory, a FIFO, …).
    case unusableFile(path: String, reason: String)

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
        case .unusableDirectory(let collection, let directory, let reason):
            return "\(collection.name) data directory \(directory) \(reason). \(Self.placementAdvice(collection))"
        case .unusableFile(let path, let reason):
            return "\(path): \(reason); it must be the regular file of that name (raw or .gz)"
        }
    }

    /// Where to put which files, for the messages above.
    static func placementAdvice(_ collection: IDXCollection) -> String {
        let names = collection.allFiles.map { $0.name + ".gz" }.joined(separator: ", ")
        return "Put the four \(collection.name) files \(names) (raw, without .gz, works too) into one directory "
            + "and set \(collection.directoryVariable) to it (or pass the directory explicitly)."
    }
}
