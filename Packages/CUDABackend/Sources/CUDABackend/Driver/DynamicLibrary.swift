import DeepTrustSystem

/// Why a shared library or one of its symbols could not be loaded.
///
/// ``description`` names the library (and the symbol) so that it can be shown as is, e.g.
/// `cannot load libcuda.so.1 or libcuda.so (libcuda.so.1: cannot open shared object file: …)`.
/// ``CUDABackend`` turns it into `DeviceError.unavailable(.cuda(n), reason: "CUDA unavailable: …")`.
public enum LibraryLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// None of `candidates` (names or paths, in the order tried) could be opened with `dlopen`;
    /// `messages` holds the loader's message for each candidate, in the same order.
    case libraryNotFound(candidates: [String], messages: [String])
    /// `library` (the name that was opened) has no exported function `symbol`: it is too old or
    /// not the real library (a stub, or another library under the same name).
    case symbolMissing(library: String, symbol: String)
    /// Loading was switched off by the environment setting `setting`
    /// (e.g. `"DEEPTRUST_CUDA_GEMM=kernel"` for cuBLAS); nothing was opened.
    case disabled(setting: String)

    public var description: String {
        switch self {
        case .libraryNotFound(let candidates, let messages):
            return "cannot load \(candidates.joined(separator: " or ")) (\(messages.joined(separator: "; ")))"
        case .symbolMissing(let library, let symbol):
            return "\(library) has no symbol \(symbol) (the library is too old or not the real one)"
        case .disabled(let setting):
            return "disabled by \(setting)"
        }
    }
}

/// A shared library opened with `dlopen`, kept open for the life of the process.
///
/// `@unchecked Sendable`: the handle is set once in `init` and never changed or closed, and
/// `dlsym` is thread-safe.
final class DynamicLibrary: @unchecked Sendable {
    /// The name that was opened, e.g. `"libcuda.so.1"`.
    let name: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the first of `candidates` that `dlopen` can load.
    ///
    /// - Throws: ``LibraryLoadError/libraryNotFound(candidates:messages:)`` listing every name tried
    ///   and the loader's message for each.
    init(firstOf candidates: [String]) throws(LibraryLoadError) {
        var messages: [String] = []
        for candidate in candidates {
            if let opened = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                name = candidate
                handle = opened
                return
            }
            messages.append(dlerror().map { String(cString: $0) } ?? "\(candidate): not found")
        }
        throw .libraryNotFound(candidates: candidates, messages: messages)
    }

    /// The function `symbol` as a `@convention(c)` function of type `T`.
    ///
    /// - Throws: ``LibraryLoadError/symbolMissing(library:symbol:)`` naming the library and the symbol.
    func function<T>(_ symbol: String, as type: T.Type) throws(LibraryLoadError) -> T {
        guard let address = dlsym(handle, symbol) else {
            throw .symbolMissing(library: name, symbol: symbol)
        }
        return unsafeBitCast(address, to: type)
    }
}
