// PeriodicTask.swift: a closure called at a fixed interval on a thread of its own, without
// dispatch (a dispatch timer started dispatch's worker threads on every launch).

import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Calls a closure every `interval` milliseconds on its own thread until `stop()`.
public final class PeriodicTask: Sendable {
    private final class Flag: Sendable {
        let stopped = Atomic<Bool>(false)
    }

    private let flag = Flag()
    private let wake: AuditThread.Wakeup
    private let thread: pthread_t?

    /// Starts calling `body` every `interval` milliseconds (the first call after one interval).
    /// When no thread can be created nothing is called (the caller's final read still happens).
    public init(everyMilliseconds interval: Int32, _ body: @escaping @Sendable () -> Void) {
        let wake = AuditThread.Wakeup()
        let flag = flag
        self.wake = wake
        thread = AuditThread.start {
            while !flag.stopped.load(ordering: .acquiring) {
                var p = pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)
                let r = poll(&p, 1, interval)
                if flag.stopped.load(ordering: .acquiring) { break }
                if r == 0 { body() }
            }
        }
    }

    /// Stops the calls; returns once a call in progress has ended (unless called from `body`
    /// itself). Calling it again does nothing.
    public func stop() {
        guard !flag.stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
        if let thread {
            if pthread_equal(thread, pthread_self()) != 0 {
                pthread_detach(thread)
            } else {
                pthread_join(thread, nil)
            }
        }
        wake.close()
    }

    deinit { stop() }
}
