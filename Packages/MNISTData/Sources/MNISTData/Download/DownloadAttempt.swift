/// One try to get a file from one mirror, and why it was not accepted.
public struct DownloadAttempt: Sendable, Equatable, CustomStringConvertible {
    /// Why a downloaded file was rejected.
    public enum Failure: Sendable, Equatable, CustomStringConvertible {
        /// The request failed; the fetcher's error in words.
        case requestFailed(String)
        /// The content is not a valid IDX file of the expected type and shape.
        case invalidContent(IDXError)
        /// The SHA-256 of the decompressed content differs from the published digest.
        case checksumMismatch(expected: String, found: String)

        public var description: String {
            switch self {
            case .requestFailed(let reason): return reason
            case .invalidContent(let error): return error.description
            case .checksumMismatch(let expected, let found):
                return "SHA-256 of the decompressed content is \(found), expected \(expected)"
            }
        }
    }

    /// The URL that was tried.
    public var url: String
    /// Why the file from that URL was not accepted.
    public var failure: Failure

    /// A failed attempt at `url`.
    public init(url: String, failure: Failure) {
        self.url = url
        self.failure = failure
    }

    public var description: String { "\(url): \(failure)" }
}
