// AuditKernelLogSource.swift: seccomp audit records from /dev/kmsg, the fallback when the audit
// netlink group cannot be joined. Lossy: without auditd the kernel prints audit records through
// printk_ratelimit() (by default 10 per 5 s), and the ring buffer can be overwritten.

import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Seccomp audit records from /dev/kmsg (needs CAP_SYSLOG, or `kernel.dmesg_restrict=0`).
///
/// Not lossless (`isLossless` is false): the kernel rate-limits audit messages to the kernel
/// log. Suppressions it reports (`kauditd_printk_skb: N callbacks suppressed`, `audit: printk
/// limit exceeded`) and ring-buffer overwrites are counted in `lostRecords`, but the kernel
/// reports a suppression only when a later message passes the limit, so the count is a lower
/// bound.
public final class KernelLogSource: AuditRecordSource {
    private let fd: Int32
    private let state = Mutex(State())

    struct State: Sendable {
        var records: [SeccompAuditRecord] = []
        var suppressed = 0
        var overwritten = 0
    }

    /// Opens /dev/kmsg at its end, so only records written from now on are read.
    ///
    /// - Throws: `AuditSourceError` when /dev/kmsg cannot be opened.
    public init() throws(AuditSourceError) {
        fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw AuditSourceError(code: e, message: "cannot open /dev/kmsg: \(AuditThread.errorText(e))",
                fix: "run as root, grant CAP_SYSLOG, or set kernel.dmesg_restrict=0")
        }
        lseek(fd, 0, SEEK_END)
    }

    deinit { close(fd) }

    /// Always false: the kernel log is rate-limited.
    public var isLossless: Bool { false }

    /// The seccomp records written to the kernel log since the last call.
    public func drain() -> [SeccompAuditRecord] {
        state.withLock { st in
            _ = readAvailable(&st)
            defer { st.records.removeAll(keepingCapacity: true) }
            return st.records
        }
    }

    /// Reads until no audit line arrived for 100 ms (or `timeout`). Returns false: the kernel
    /// log offers no barrier, so completeness cannot be confirmed.
    public func flush(timeout: Duration) -> Bool {
        let deadline = AuditThread.now() &+ AuditThread.nanoseconds(timeout)
        var lastActivity = AuditThread.now()
        while true {
            let got = state.withLock { readAvailable(&$0) }
            let now = AuditThread.now()
            if got > 0 { lastActivity = now }
            if now >= deadline || now &- lastActivity >= 100_000_000 { break }
            usleep(5_000)
        }
        return false
    }

    /// Records the kernel reported as suppressed, plus one per ring-buffer overwrite seen.
    public var lostRecords: Int { state.withLock { $0.suppressed + $0.overwritten } }

    /// Why records were or may have been lost.
    public var lossReasons: [String] {
        state.withLock { st in
            var reasons = ["/dev/kmsg is rate-limited by the kernel: records may be lost without notice"]
            if st.suppressed > 0 {
                reasons.append("the kernel suppressed at least \(st.suppressed) audit message(s) (printk rate limit)")
            }
            if st.overwritten > 0 {
                reasons.append("the kernel log ring buffer was overwritten \(st.overwritten) time(s) before it was read")
            }
            return reasons
        }
    }

    /// Reads every available kmsg entry; returns how many audit-related lines were seen.
    private func readAvailable(_ st: inout State) -> Int {
        var buffer = [UInt8](repeating: 0, count: 8192)
        var seen = 0
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                let entry = String(decoding: buffer[0..<n], as: UTF8.self)
                if Self.account(entry, into: &st) { seen += 1 }
            } else if n < 0 && errno == EPIPE {
                st.overwritten += 1  // entries were overwritten before we read them; go on
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return seen
    }

    /// Classifies one kmsg entry (`PRI,SEQ,TS,FLAGS;MESSAGE` and continuation lines). Returns
    /// whether it was audit-related.
    static func account(_ entry: String, into st: inout State) -> Bool {
        let firstLine = entry.prefix { $0 != "\n" }
        let message = firstLine.firstIndex(of: ";").map { firstLine[firstLine.index(after: $0)...] } ?? firstLine
        if let record = SeccompAuditRecord(line: message) {
            st.records.append(record)
            return true
        }
        if let lost = suppressedCount(message) {
            st.suppressed += lost
            return true
        }
        return message.hasPrefix("audit:")
    }

    /// The audit messages a kmsg line says were dropped: `kauditd_printk_skb: N callbacks
    /// suppressed` (N), `audit: printk limit exceeded`, `audit: rate limit exceeded` and
    /// `audit: backlog limit exceeded` (1 each; these lines are rate-limited themselves).
    static func suppressedCount(_ message: Substring) -> Int? {
        if message.hasPrefix("kauditd_printk_skb: "), message.hasSuffix(" callbacks suppressed") {
            let number = message.dropFirst("kauditd_printk_skb: ".count).prefix { $0.isNumber }
            return Int(number) ?? 1
        }
        for text in ["audit: printk limit exceeded", "audit: rate limit exceeded", "audit: backlog limit exceeded"]
        where message.hasPrefix(text) {
            return 1
        }
        return nil
    }
}
