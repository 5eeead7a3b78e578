// Full Foundation is needed here: URLSession lives in FoundationNetworking on Linux. This target
// is kept apart from MNISTData so that only programs that download pay for it.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MNISTData

/// Fetches URLs over HTTP(S) with `URLSession`.
public struct URLSessionFetcher: DatasetFetcher {
    /// Seconds without data after which a request fails.
    public var timeout: Double

    /// A fetcher whose requests fail after `timeout` seconds without data.
    public init(timeout: Double = 60) {
        self.timeout = timeout
    }

    /// The body of `url` when the server answers 200.
    /// - Throws: ``FetchError`` for a malformed URL or a non-200 status; `URLSession`'s error
    ///   (no connection, timeout, TLS failure) otherwise.
    public func fetch(_ url: String) async throws -> [UInt8] {
        guard let address = URL(string: url), address.scheme != nil else { throw FetchError.invalidURL(url) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(from: address)
        if let http = response as? HTTPURLResponse, http.statusCode != 200 {
            throw FetchError.status(url: url, code: http.statusCode)
        }
        return [UInt8](data)
    }
}
