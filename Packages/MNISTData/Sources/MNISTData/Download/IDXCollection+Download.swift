import DeepTrustSystem

extension IDXCollection {
    /// The paths of `split`'s image and label files in `directory`, first downloading the missing
    /// ones through `fetcher`.
    ///
    /// A missing file is fetched as `<mirror><name>.gz` from each mirror in turn until one is
    /// accepted: its decompressed content must parse as an IDX file of the right element type and
    /// shape and, where the collection pins one, have the published SHA-256. It is then written to
    /// `directory` (created if needed) through a temporary file and a rename, so an interrupted
    /// download never leaves a partial file under the final name.
    ///
    /// - Parameters:
    ///   - log: receives one line per download started and finished.
    /// - Throws: ``DatasetFilesError/downloadFailed(collection:directory:file:missing:attempts:)``
    ///   when all mirrors fail for a file (the message says where to put which files instead);
    ///   ``DatasetFilesError/cannotWrite(path:reason:)``.
    public func locateFiles(
        split: MNIST.Split, in directory: DataDirectory, fetcher: any DatasetFetcher,
        log: (@Sendable (String) -> Void)? = nil
    ) async throws(DatasetFilesError)
        -> (images: String, labels: String)
    {
        let (imagesFile, labelsFile) = files(for: split)
        try checkUsable(directory, files: [imagesFile, labelsFile], mayCreate: true)
        var missing = [imagesFile, labelsFile].filter { directory.existingPath(of: $0) == nil }
        if !missing.isEmpty {
            do {
                try makeDirectories(atPath: directory.path)
            } catch {
                throw .cannotWrite(path: error.path, reason: error.reason)
            }
            while let file = missing.first {
                try await download(
                    file, isImages: file == imagesFile, into: directory,
                    missing: missing.map(\.name), fetcher: fetcher, log: log)
                missing.removeFirst()
            }
        }
        guard let images = directory.existingPath(of: imagesFile), let labels = directory.existingPath(of: labelsFile) else {
            throw .missing(
                collection: self, directory: directory,
                files: [imagesFile, labelsFile].filter { directory.existingPath(of: $0) == nil }.map(\.name))
        }
        return (images, labels)
    }

    /// The paths of `split`'s files in `directory` without downloading.
    /// - Throws: ``DatasetFilesError/unusableDirectory(collection:directory:reason:)`` when the
    ///   directory does not exist or is no readable directory,
    ///   ``DatasetFilesError/unusableFile(path:reason:)`` when a file's name is taken by something
    ///   else than a regular file, ``DatasetFilesError/missing(collection:directory:files:)``.
    public func locateFiles(split: MNIST.Split, in directory: DataDirectory) throws(DatasetFilesError)
        -> (images: String, labels: String)
    {
        let (imagesFile, labelsFile) = files(for: split)
        try checkUsable(directory, files: [imagesFile, labelsFile], mayCreate: false)
        guard let images = directory.existingPath(of: imagesFile), let labels = directory.existingPath(of: labelsFile) else {
            throw .missing(
                collection: self, directory: directory,
                files: [imagesFile, labelsFile].filter { directory.existingPath(of: $0) == nil }.map(\.name))
        }
        return (images, labels)
    }

    /// Says what is wrong with `directory` (or with the entries named like `files` in it) before
    /// files are looked for, so that the problem is not reported as missing files.
    func checkUsable(_ directory: DataDirectory, files: [File], mayCreate: Bool) throws(DatasetFilesError) {
        var info = stat()
        guard stat(directory.path, &info) == 0 else {
            let code = errno
            if code == ENOENT && mayCreate { return }
            let reason = code == ENOENT ? "does not exist" : "cannot be examined: \(systemErrorMessage(code))"
            throw .unusableDirectory(collection: self, directory: directory, reason: reason)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .unusableDirectory(
                collection: self, directory: directory, reason: "is \(fileKind(info.st_mode)), not a directory")
        }
        guard access(directory.path, R_OK | X_OK) == 0 else {
            throw .unusableDirectory(
                collection: self, directory: directory, reason: "cannot be read: \(systemErrorMessage(errno))")
        }
        for file in files {
            for name in [file.name, file.name + ".gz"] {
                let path = joinPath(directory.path, name)
                var entry = stat()
                if stat(path, &entry) == 0 && entry.st_mode & S_IFMT != S_IFREG {
                    throw .unusableFile(path: path, reason: "is \(fileKind(entry.st_mode)), not a regular file")
                }
            }
        }
    }

    private func download(
        _ file: File, isImages: Bool, into directory: DataDirectory, missing: [String],
        fetcher: any DatasetFetcher, log: (@Sendable (String) -> Void)?
    ) async throws(DatasetFilesError) {
        var attempts: [DownloadAttempt] = []
        for mirror in mirrors {
            let url = mirror + file.name + ".gz"
            log?("downloading \(url)")
            let bytes: [UInt8]
            do {
                bytes = try await fetcher.fetch(url)
            } catch {
                attempts.append(DownloadAttempt(url: url, failure: .requestFailed(String(describing: error))))
                continue
            }
            if let failure = verify(bytes, file: file, isImages: isImages, url: url) {
                attempts.append(DownloadAttempt(url: url, failure: failure))
                continue
            }
            let isGzip = bytes.starts(with: GzipByteSource.magic)
            let destination = joinPath(directory.path, isGzip ? file.name + ".gz" : file.name)
            do {
                try AtomicFile.replace(destination, with: bytes)
            } catch {
                throw .cannotWrite(path: error.path ?? destination, reason: error.message)
            }
            log?("stored \(destination) (\(bytes.count) bytes\(file.sha256 == nil ? "" : ", SHA-256 verified"))")
            return
        }
        throw .downloadFailed(collection: self, directory: directory, file: file.name, missing: missing, attempts: attempts)
    }

    /// Why `bytes` are not an acceptable copy of `file`, or nil when they are.
    func verify(_ bytes: [UInt8], file: File, isImages: Bool, url: String) -> DownloadAttempt.Failure? {
        do throws(IDXError) {
            let array = try IDXArray.decode(bytes, name: url)
            if isImages {
                try array.validate(elementType: .uint8, rank: 3, file: url)
                if let height = imageHeight, let width = imageWidth,
                    array.dimensions[1] != height || array.dimensions[2] != width
                {
                    throw IDXError.wrongDimensions(file: url, expected: "*×\(height)×\(width)", found: array.dimensions)
                }
            } else {
                try array.validate(elementType: .uint8, rank: 1, file: url)
                if let classCount, let bad = array.bytes.firstIndex(where: { Int($0) >= classCount }) {
                    throw IDXError.labelOutOfRange(file: url, index: bad, label: Int(array.bytes[bad]), classCount: classCount)
                }
            }
            if let expected = file.sha256 {
                let found = array.sha256Hex()
                if found != expected.lowercased() { return .checksumMismatch(expected: expected, found: found) }
            }
            return nil
        } catch {
            return .invalidContent(error)
        }
    }
}

/// `a regular file`, `a FIFO (named pipe)`, … for a `stat` mode.
func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFREG: return "a regular file"
    case S_IFDIR: return "a directory"
    case S_IFIFO: return "a FIFO (named pipe)"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFSOCK: return "a socket"
    default: return "a special file"
    }
}
