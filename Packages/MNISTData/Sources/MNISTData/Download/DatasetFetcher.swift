/// Fetches the bytes at a URL. The download logic goes through this protocol so that the core
/// library needs no networking stack: the `MNISTDownload` product supplies one over HTTP(S), and
/// tests supply fakes.
public protocol DatasetFetcher: Sendable {
    /// The complete body of a successful response from `url`.
    /// - Throws: any error for a failed request (no connection, an HTTP status other than 200…).
    func fetch(_ url: String) async throws -> [UInt8]
}
