#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a shared library or one of its symbols could not be loaded.
public struct LibraryLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    /// An error explained by `description`.
    public init(_ description: String) { self.description = description }
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
    /// - Throws: ``LibraryLoadError`` listing every name tried and the loader's last message.
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
        throw LibraryLoadError("cannot load \(candidates.joined(separator: " or ")) (\(messages.joined(separator: "; ")))")
    }

    /// The function `symbol` as a `@convention(c)` function of type `T`.
    ///
    /// - Throws: ``LibraryLoadError`` naming the library and the missing symbol.
    func function<T>(_ symbol: String, as type: T.Type) throws(LibraryLoadError) -> T {
        guard let address = dlsym(handle, symbol) else {
            throw LibraryLoadError("\(name) has no symbol \(symbol) (the library is too old or not the real one)")
        }
        return unsafeBitCast(address, to: type)
    }
}
