// Reporting.swift: the small seams between the supervisor and the kernel's reports (audit
// records, the process tree) and the journal, so the supervisor can be tested in process with
// fakes as well as end to end.

import SeccomposeRuntime
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

/// Where the supervisor reads the kernel's seccomp audit records (`type=1326`) from.
public protocol AuditFeed: AnyObject {
    /// Whether records can be lost without it being noticed (e.g. `/dev/kmsg`, which the kernel
    /// rate-limits).
    var isLossless: Bool { get }
    /// A sentence for the user when the feed is not lossless (what may be lost and how to fix it).
    var warning: String? { get }
    /// Records known to be lost since the feed was opened.
    var lostRecords: Int { get }
    /// The records received since the last call, without waiting.
    func drain() -> [SeccompAuditRecord]
    /// Waits until every record the kernel queued before the call has arrived (or `seconds`
    /// passed); false on time-out.
    func flush(seconds: Double) -> Bool
}

/// Which processes belong to the launched command: the supervisor attributes audit records to
/// its own descendants only (other processes, other launches, may be filtered too).
public protocol ProcessScope: AnyObject {
    /// Starts following the descendants of `pid` (called right after each spawn).
    func add(root pid: pid_t)
    /// Whether `pid` (a thread-group id in the initial pid namespace) is, or was, one of them.
    func contains(_ pid: pid_t) -> Bool
    /// The descendants known to be still running.
    func running() -> [pid_t]
}

/// Where start, violation and exit entries go.
public protocol JournalSink: Sendable {
    /// Sends one structured entry (`MESSAGE`, `PRIORITY`, … fields).
    func send(_ fields: [(String, String)])
}

/// The systemd journal through libsystemd (`sd_journal_sendv`); entries are dropped silently
/// only when no journal runs.
public struct SystemJournal: JournalSink {
    /// The journal of this machine (or of the caller's mount namespace).
    public init() {}

    public func send(_ fields: [(String, String)]) { Journal.send(fields) }
}

/// The records of `/dev/kmsg`: lossy (the kernel rate-limits printk).
final class KernelLogFeed: AuditFeed {
    private let log: KernelAuditLog
    private var pending: [SeccompAuditRecord] = []

    init?() {
        guard let log = KernelAuditLog() else { return nil }
        self.log = log
    }

    var isLossless: Bool { false }
    var warning: String? {
        "audit records are read from /dev/kmsg, which the kernel rate-limits: reports may be incomplete"
    }
    var lostRecords: Int { 0 }

    func drain() -> [SeccompAuditRecord] {
        defer { pending = [] }
        return pending + log.newRecords()
    }

    func flush(seconds: Double) -> Bool {
        // kauditd writes asynchronously; kmsg has no barrier, so wait a little for stragglers.
        usleep(UInt32(min(seconds, 0.1) * 1_000_000))
        pending += log.newRecords()
        return true
    }
}

/// The launched processes only: the pids the supervisor spawned, and processes whose parent
/// chain in /proc leads to one of them at the time they are asked about.
final class ProcParentScope: ProcessScope {
    private var roots: Set<pid_t> = []
    private var known: Set<pid_t> = []

    func add(root pid: pid_t) {
        roots.insert(pid)
        known.insert(pid)
    }

    func contains(_ pid: pid_t) -> Bool {
        if known.contains(pid) { return true }
        var p = pid
        for _ in 0..<64 {
            guard let parent = Self.parent(of: p), parent > 1 else { return false }
            if roots.contains(parent) || known.contains(parent) {
                known.insert(pid)
                return true
            }
            p = parent
        }
        return false
    }

    func running() -> [pid_t] { known.filter { kill($0, 0) == 0 }.sorted() }

    /// The parent pid from /proc/PID/stat (field 4, after the parenthesised command).
    static func parent(of pid: pid_t) -> pid_t? {
        guard let text = try? TextFile.readProc("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }
}

extension TextFile {
    /// A small /proc file (whose size stat reports as 0).
    static func readProc(_ path: String) throws -> String {
        try read(path, limit: 1 << 16)
    }
}
