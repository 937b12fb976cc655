// AuditRecordSource.swift: where seccomp audit records come from. The audit netlink multicast
// group (AUDIT_NLGRP_READLOG) delivers every record and lets the reader detect loss; /dev/kmsg
// is the lossy fallback (the kernel rate-limits audit messages to the kernel log: measured
// here, 10 of 85 records of one burst arrived).

import SeccomposeDiagnostics

#if canImport(Glibc)
    import Glibc
#endif

/// A stream of the kernel's seccomp audit records.
///
/// Implementations read on their own (a background thread or the kernel's buffer) and are safe
/// to use from any thread. A supervisor drains records while its command runs, calls
/// `flush(timeout:)` once the command has exited, drains again, and calls its result complete
/// only when `isLossless` is true, the flush succeeded and `lostRecords` is 0.
public protocol AuditRecordSource: AnyObject, Sendable {
    /// Whether this source can deliver every record and detect every loss. False for /dev/kmsg.
    var isLossless: Bool { get }
    /// The seccomp records received since the last call, in arrival order (for every process:
    /// the caller attributes them, e.g. with `ProcessTree`).
    func drain() -> [SeccompAuditRecord]
    /// Waits until every record the kernel queued before the call has been received (then
    /// `drain()` returns them), at most `timeout`. Returns whether that was confirmed; false
    /// means records may still be missing (timeout, or a source that cannot confirm it).
    func flush(timeout: Duration) -> Bool
    /// How many audit records were lost since the source was opened, as far as known (the
    /// kernel's counter, socket overruns, rate-limit suppression). Updated by `flush`. Losses
    /// of records of other processes count too: the kernel does not say whose records it lost.
    var lostRecords: Int { get }
    /// Why records were or may have been lost, one sentence each; empty when none.
    var lossReasons: [String] { get }
    /// Tells a reader thread to end, without waiting for it (releasing the source waits): for
    /// when the records are no longer wanted, so that several threads end at once. The reader
    /// may still file what it was reading when told; do not rely on records after it.
    func stopReading()
}

extension AuditRecordSource {
    /// Why records were or may have been lost: none known.
    public var lossReasons: [String] { [] }

    /// Sources without a reader thread have nothing to stop.
    public func stopReading() {}
}

/// Which transport an `AuditRecordSource` reads.
public enum AuditSourceKind: String, Sendable, Hashable {
    /// The audit netlink multicast group (lossless, loss detected).
    case netlink
    /// /dev/kmsg (lossy: rate-limited by the kernel).
    case kernelLog
}

/// Why audit records cannot be read, with how to fix it.
public struct AuditSourceError: ReportableError, Sendable, Hashable {
    /// The errno of the failing call (0 when none).
    public var code: Int32
    /// What failed.
    public var message: String
    /// How to fix it.
    public var fix: String

    /// An error with its fix.
    public init(code: Int32, message: String, fix: String) {
        self.code = code
        self.message = message
        self.fix = fix
    }

    /// `error: MESSAGE` and `fix: FIX` on two lines.
    public var report: ErrorReport { ErrorReport(message, fix: fix) }
}

/// An opened source and, when it is not the lossless one, the warning to show.
public struct OpenedAuditSource: Sendable {
    /// The source to read.
    public let source: any AuditRecordSource
    /// Which transport it reads.
    public let kind: AuditSourceKind
    /// Set when the source may lose records (the kmsg fallback): say it to the user.
    public let warning: String?

    /// An opened `source` reading `kind`, with the `warning` to show (nil when lossless).
    public init(source: any AuditRecordSource, kind: AuditSourceKind, warning: String?) {
        self.source = source
        self.kind = kind
        self.warning = warning
    }
}

/// Opening the best available audit record source.
public enum AuditSources {
    /// The actions whose records the supervisor needs: kills and SystemCallLog='s LOG.
    public static let requiredLoggedActions = ["kill_process", "kill_thread", "log"]

    /// Which of `actions` (names as in /proc/sys/kernel/seccomp/actions_logged) the kernel is
    /// configured not to log: no record is ever made for them, so none can be reported. Empty
    /// when all are logged, or when the setting cannot be read (kernels before 4.14).
    public static func unloggedActions(_ actions: [String] = requiredLoggedActions) -> [String] {
        let fd = Glibc.open("/proc/sys/kernel/seccomp/actions_logged", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return [] }
        // The file is ASCII words separated by spaces (a newline at the end): split on the bytes
        // (a Character split cost about 1,000 instructions a byte at every launch).
        var logged: [String] = []
        var start = 0
        for i in 0...n where i == n || buffer[i] <= UInt8(ascii: " ") {
            if i > start { logged.append(String(decoding: buffer[start..<i], as: UTF8.self)) }
            start = i + 1
        }
        return actions.filter { !logged.contains($0) }
    }

    /// The warning for actions the kernel does not log, or nil.
    static func unloggedWarning() -> String? {
        let missing = unloggedActions()
        guard !missing.isEmpty else { return nil }
        return "the kernel does not log seccomp actions \(missing.joined(separator: ", ")) "
            + "(kernel.seccomp.actions_logged), so they cannot be reported; fix: sysctl -w "
            + "kernel.seccomp.actions_logged='kill_process kill_thread trap errno user_notif trace log'"
    }

    /// Opens the audit netlink reader, or when that is not possible /dev/kmsg with a warning
    /// that records may be lost (and why netlink failed). The warning also names seccomp
    /// actions the kernel is configured not to log (`unloggedActions()`). With
    /// `allowNetlink: false` only /dev/kmsg is tried (for measurements and tests).
    ///
    /// - Throws: `AuditSourceError` when neither can be opened.
    public static func open(allowNetlink: Bool = true) throws(AuditSourceError) -> OpenedAuditSource {
        let opened = try openTransport(allowNetlink: allowNetlink)
        guard let unlogged = unloggedWarning() else { return opened }
        return OpenedAuditSource(source: opened.source, kind: opened.kind,
            warning: [opened.warning, unlogged].compactMap { $0 }.joined(separator: "\n"))
    }

    private static func openTransport(allowNetlink: Bool) throws(AuditSourceError) -> OpenedAuditSource {
        var netlinkProblem = "the audit netlink reader was not requested"
        if allowNetlink {
            do {
                let source = try AuditNetlinkSource()
                let warning = source.isLossless
                    ? nil
                    : "audit records may be lost: \(source.lossReasons.joined(separator: "; ")); fix: run as root / "
                        + "grant CAP_AUDIT_CONTROL and CAP_AUDIT_WRITE in the initial user and pid namespace"
                return OpenedAuditSource(source: source, kind: .netlink, warning: warning)
            } catch {
                netlinkProblem = error.message
            }
        }
        do {
            let source = try KernelLogSource()
            return OpenedAuditSource(source: source, kind: .kernelLog,
                warning: "audit records may be lost: reading them from /dev/kmsg, which the kernel rate-limits, "
                    + "because \(netlinkProblem); fix: run as root / grant CAP_AUDIT_READ (and CAP_AUDIT_CONTROL, "
                    + "CAP_AUDIT_WRITE for loss detection) in the initial user namespace")
        } catch {
            throw AuditSourceError(code: error.code,
                message: "cannot read seccomp audit records: \(netlinkProblem), and \(error.message)",
                fix: "run as root, or grant CAP_AUDIT_READ (audit netlink) or CAP_SYSLOG (/dev/kmsg)")
        }
    }
}

// MARK: - Shared helpers

/// A started POSIX thread running a closure.
enum AuditThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread; nil when the thread cannot be created.
    static func start(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let r = pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            Unmanaged<Body>.fromOpaque(arg).takeRetainedValue().run()
            return nil
        }, box)
        if r != 0 {
            Unmanaged<Body>.fromOpaque(box).release()
            return nil
        }
        return thread
    }

    /// A pipe that wakes a reader thread blocked in `wait(for:wake:timeoutMilliseconds:)`.
    struct Wakeup: Sendable {
        let read: Int32
        let write: Int32

        init() {
            var fds: [Int32] = [-1, -1]
            if pipe(&fds) == 0 {
                for fd in fds {
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                }
            }
            read = fds[0]
            write = fds[1]
        }

        func signal() {
            var byte: UInt8 = 1
            if write >= 0 { _ = Glibc.write(write, &byte, 1) }
        }

        func close() {
            if read >= 0 { _ = Glibc.close(read) }
            if write >= 0 { _ = Glibc.close(write) }
        }

        /// Waits until signalled or `timeoutMilliseconds` passed, and consumes the signals.
        func wait(timeoutMilliseconds: Int32) {
            guard read >= 0 else {
                usleep(200)  // no pipe: look again shortly
                return
            }
            var fd = pollfd(fd: read, events: Int16(POLLIN), revents: 0)
            if poll(&fd, 1, max(0, timeoutMilliseconds)) > 0 {
                var buffer = [UInt8](repeating: 0, count: 64)
                while Glibc.read(read, &buffer, buffer.count) > 0 {}
            }
        }
    }

    /// Waits until `fd` is readable (true) or `wake` was signalled or the timeout passed (false).
    static func wait(for fd: Int32, wake: Wakeup, timeoutMilliseconds: Int32) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        let r = poll(&fds, wake.read >= 0 ? 2 : 1, timeoutMilliseconds)
        return r > 0 && fds[0].revents != 0
    }

    /// Nanoseconds of the monotonic clock.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// A duration in nanoseconds (negative durations are 0).
    static func nanoseconds(_ d: Duration) -> UInt64 {
        let (s, atto) = d.components
        if s < 0 { return 0 }
        return UInt64(s) &* 1_000_000_000 &+ UInt64(max(0, atto) / 1_000_000_000)
    }

    /// `strerror` text with the errno.
    static func errorText(_ e: Int32) -> String { String(cString: strerror(e)) + " (errno \(e))" }
}
