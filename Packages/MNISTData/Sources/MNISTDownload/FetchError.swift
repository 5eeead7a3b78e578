/// A request that returned no usable body.
public enum FetchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not a URL with a scheme.
    case invalidURL(String)
    /// The server answered with an HTTP status other than 200.
    case status(url: String, code: Int)

    public var description: String {
        switch self {
        case .invalidURL(let text): return "not a valid URL: '\(text)'"
        case .status(let url, let code): return "\(url): HTTP status \(code)"
        }
    }
}
