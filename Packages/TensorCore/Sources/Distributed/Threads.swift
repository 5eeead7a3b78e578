import DeepTrustSystem

/// A POSIX thread running one closure (the MPI watchdog, the ranks of an ``InProcessGroup``).
struct DetachedThread {
    private let handle: pthread_t

    /// Starts a thread named `name` (15 bytes kept) running `body`, or `nil` when the system refuses.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> DetachedThread? {
        final class Start: Sendable {
            let body: @Sendable () -> Void
            init(body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Start(body: body)).toOpaque()
        #if canImport(Darwin)
        var handle: pthread_t?
        #else
        var handle = pthread_t()
        #endif
        let result = pthread_create(
            &handle, nil,
            { raw in
                Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(context).release()
            return nil
        }
        #if canImport(Darwin)
        return DetachedThread(handle: handle!)
        #else
        return DetachedThread(handle: handle)
        #endif
    }

    /// Waits for the thread to finish.
    func join() { _ = pthread_join(handle, nil) }
}

/// A mutex with one condition variable that can wait with a deadline.
///
/// `@unchecked Sendable`: the pthread objects are made for use from many threads; they are
/// allocated once in `init`, never reassigned, and destroyed in `deinit`.
final class TimedConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the mutex.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a broadcast or until `deadline` (CLOCK_REALTIME); false when the deadline passed.
    func wait(until deadline: timespec) -> Bool {
        var deadline = deadline
        return pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT
    }

    /// Wakes every waiting thread.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// The real-time clock `seconds` from now.
    static func deadline(after seconds: Double) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let total = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9 + seconds
        let whole = total.rounded(.down)
        return timespec(tv_sec: Int(whole), tv_nsec: Int((total - whole) * 1e9))
    }
}
