/// A mutex with one condition variable (POSIX): the loader's producer/consumer hand-off and the
/// in-process group's collectives, which wait with a deadline.
///
/// `@unchecked Sendable`: the two pthread objects are designed for use from many threads; they are
/// allocated once in `init`, never reassigned, and destroyed in `deinit`, when no thread can hold
/// a reference any more.
package final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
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
    package func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a broadcast; call only inside ``withLock(_:)`` and re-check the awaited condition.
    package func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits for a broadcast or until `deadline` (`CLOCK_REALTIME`), inside ``withLock(_:)``;
    /// false when the deadline passed.
    package func wait(until deadline: timespec) -> Bool {
        var deadline = deadline
        return pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT
    }

    /// Wakes every waiting thread.
    package func broadcast() { pthread_cond_broadcast(condition) }

    /// The real-time clock `seconds` from now, for ``wait(until:)``.
    package static func deadline(after seconds: Double) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let total = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9 + seconds
        let whole = total.rounded(.down)
        return timespec(tv_sec: Int(whole), tv_nsec: Int((total - whole) * 1e9))
    }
}
