import MNISTData

extension MNIST {
    /// Loads a split, downloading missing files from the collection's mirrors over HTTP(S)
    /// (checked and stored as ``MNIST/load(split:collection:directory:transform:fetcher:log:)`` describes).
    ///
    /// - Throws: ``DatasetFilesError`` when files are missing and no mirror can be reached (the
    ///   message says where to put which files), any ``IDXError`` of reading them.
    public static func loadDownloading(
        split: MNIST.Split, collection: IDXCollection = .mnist,
        directory: String? = nil, transform: (any ImageTransform)? = nil,
        log: (@Sendable (String) -> Void)? = nil
    ) async throws -> MNIST {
        try await load(
            split: split, collection: collection, directory: directory, transform: transform,
            fetcher: URLSessionFetcher(), log: log)
    }
}
