import DeepTrustSystem

/// A value behind a POSIX mutex, for test helpers that the worker pool's threads update.
///
/// Synchronization's `Mutex` is correct there too, but on Linux it takes a contended lock inside
/// the kernel (a futex system call), which ThreadSanitizer does not see: `Tools/dev/run sanitize thread`
/// would report every contended access as a race. pthread mutexes are intercepted, so a real race
/// in the pool still shows while these helpers stay quiet.
///
/// `@unchecked Sendable`: `value` is read and written only inside ``withLock(_:)``, which holds the
/// mutex; the mutex is created in `init` and destroyed in `deinit`, when no thread can hold a reference.
final class PosixLocked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` on the value while holding the mutex.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
