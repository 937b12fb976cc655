// NotificationListener.swift: answering a filter's SECCOMP_RET_USER_NOTIF calls from a thread of
// the supervisor: each call is shown to a handler (which may read the caller's memory while the
// caller waits) and then continued as if the filter had allowed it.

import CSeccomp
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A call a filtered task is blocked in, waiting for the listener's answer.
public struct SeccompNotification: Sendable, Hashable {
    /// The kernel's cookie for the answer.
    public var id: UInt64
    /// The calling thread's id in the listener's pid namespace (0 when outside it).
    public var pid: Int32
    /// The `AUDIT_ARCH_*` value of the call's ABI.
    public var arch: UInt32
    /// The syscall number as the filter saw it (x32 calls carry 0x40000000).
    public var number: Int32
    /// The instruction pointer.
    public var instructionPointer: UInt64
    /// The six argument registers.
    public var arguments: [UInt64]
}

/// Reads notifications from a listener on its own thread, hands each to a handler, then lets the
/// call continue (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`). Never blocks a call for longer than the
/// handler takes; stops when no task uses the filter any more (the listener hangs up) or on `stop()`.
public final class NotificationListener: Sendable {
    /// What the handler may do while the caller waits.
    public struct Context: Sendable {
        let listener: Int32
        /// The notification being handled.
        public let notification: SeccompNotification

        /// Reads `count` bytes at `address` of the calling process (through /proc/PID/mem) and
        /// checks that the call is still the one notified, so the bytes are the call's. Nil when
        /// the memory cannot be read or the caller left the call.
        public func readMemory(at address: UInt64, count: Int) -> [UInt8]? {
            guard notification.pid > 0, count > 0, count <= 4096 else { return nil }
            let fd = open("/proc/\(notification.pid)/mem", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(Int64(bitPattern: address))) }
            guard n == count, cseccomp_notif_id_valid(listener, notification.id) == 1 else { return nil }
            return bytes
        }
    }

    private struct State {
        var thread: pthread_t?
        var stopRequested = false
        var failures: [String] = []
        var handled = 0
        var hungUp = false
    }

    /// The listener fd (owned: closed when the loop ends).
    public let listener: Int32
    private let wake = AuditThread.Wakeup()
    private let state = Mutex(State())
    private let handler: @Sendable (Context) -> Void

    /// Starts answering `listener` (taking ownership of it) on a new thread.
    public init(listener: Int32, handler: @escaping @Sendable (Context) -> Void) {
        self.listener = listener
        self.handler = handler
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let r = pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            let me = Unmanaged<NotificationListener>.fromOpaque(arg).takeRetainedValue()
            me.loop()
            return nil
        }, box)
        if r == 0 {
            state.withLock { $0.thread = thread }
        } else {
            Unmanaged<NotificationListener>.fromOpaque(box).release()
            state.withLock { $0.failures.append("cannot start the notification thread: \(String(cString: strerror(r)))") }
        }
    }

    /// Notifications handled so far.
    public var handled: Int { state.withLock { $0.handled } }

    /// What went wrong while answering (each a sentence); empty when every call was seen.
    public var failures: [String] { state.withLock { $0.failures } }

    /// Waits until no task uses the filter any more (every process under it ended) or
    /// `timeout` passed, then stops the thread. Returns whether the listener hung up by itself.
    @discardableResult
    public func finish(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.hungUp || $0.thread == nil }) { break }
            usleep(1000)
        }
        stop()
        return state.withLock { $0.hungUp }
    }

    /// Stops the thread (waiting for it) and closes the listener; calls still under the
    /// filter then fail with ENOSYS.
    public func stop() {
        let thread: pthread_t? = state.withLock { st in
            st.stopRequested = true
            let t = st.thread
            st.thread = nil
            return t
        }
        wake.signal()
        if let thread { pthread_join(thread, nil) }
    }

    private func loop() {
        defer {
            close(listener)
            close(wake.read)
            close(wake.write)
        }
        while true {
            if state.withLock({ $0.stopRequested }) {
                // Answer what is already queued, so no caller waits on a closed listener.
                drainQueued()
                return
            }
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            let r = poll(&fds, 2, -1)
            if r < 0 {
                if errno == EINTR { continue }
                state.withLock { $0.failures.append("poll on the listener failed: \(String(cString: strerror(errno)))") }
                return
            }
            if fds[0].revents & Int16(POLLIN) != 0 {
                receiveOne()
            } else if fds[0].revents & Int16(POLLHUP) != 0 {
                // No task uses the filter any more: every call was answered.
                state.withLock { $0.hungUp = true }
                return
            } else if fds[0].revents & Int16(POLLERR | POLLNVAL) != 0 {
                state.withLock { $0.failures.append("the listener failed (poll reported an error)") }
                return
            }
        }
    }

    private func drainQueued() {
        while true {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) > 0, p.revents & Int16(POLLIN) != 0 else { return }
            receiveOne()
        }
    }

    private func receiveOne() {
        var raw = cseccomp_notification()
        let r = cseccomp_notif_receive(listener, &raw)
        if r == -ENOENT || r == -EINTR { return }
        if r < 0 {
            state.withLock { $0.failures.append("cannot receive a notification: \(String(cString: strerror(-r)))") }
            return
        }
        let args = withUnsafeBytes(of: raw.args) { Array($0.bindMemory(to: UInt64.self)) }
        let n = SeccompNotification(id: raw.id, pid: Int32(bitPattern: raw.pid), arch: raw.arch, number: raw.nr,
            instructionPointer: raw.ip, arguments: args)
        handler(Context(listener: listener, notification: n))
        let answered = cseccomp_notif_continue(listener, raw.id)
        state.withLock { st in
            st.handled += 1
            if answered < 0 && answered != -ENOENT {
                st.failures.append("cannot answer a notification: \(String(cString: strerror(-answered)))")
            }
        }
    }
}
