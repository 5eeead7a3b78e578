/// A joinable POSIX thread running one closure: the data loader's workers (joined before an
/// iteration ends), the ranks of an in-process group and the MPI watchdog.
package struct WorkerThread {
    private let handle: pthread_t

    /// Starts a thread named `name` (at most 15 bytes are kept; visible in `/proc/self/task/*/comm`)
    /// that runs `body`, or returns `nil` when the system refuses to create one.
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) -> WorkerThread? {
        final class Start: Sendable {
            let name: String
            let body: @Sendable () -> Void
            init(name: String, body: @escaping @Sendable () -> Void) { self.name = name; self.body = body }
        }
        let context = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        #if canImport(Darwin)
        var handle: pthread_t?
        #else
        var handle = pthread_t()
        #endif
        let result = pthread_create(
            &handle, nil,
            { raw in
                let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
                setCurrentThreadName(start.name)
                start.body()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(context).release()
            return nil
        }
        #if canImport(Darwin)
        return WorkerThread(handle: handle!)
        #else
        return WorkerThread(handle: handle)
        #endif
    }

    /// Waits for the thread to finish.
    package func join() {
        _ = pthread_join(handle, nil)
    }
}

/// Names the calling thread (first 15 bytes), where the C library offers `pthread_setname_np`.
/// Looked up at run time because Swift's Glibc module does not export it.
private func setCurrentThreadName(_ name: String) {
    #if canImport(Darwin)
    pthread_setname_np(String(name.utf8.prefix(15))!)
    #else
    typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    guard let symbol = dlsym(nil, "pthread_setname_np") else { return }
    let truncated = String(name.utf8.prefix(15))!
    _ = unsafeBitCast(symbol, to: SetName.self)(pthread_self(), truncated)
    #endif
}
