// Reporting.swift: the journal seam of the supervisor (audit records and the process tree come
// from SeccomposeRuntime's `AuditRecordSource` and `ProcessTree`), so the supervisor can be
// tested in process with fakes as well as end to end.

import SeccomposeRuntime
import SeccomposeSyscalls

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

/// Reading /proc.
enum Proc {
    /// The parent pid from /proc/PID/stat (field 4, after the parenthesised command).
    static func parent(of pid: Int32) -> Int32? {
        guard let text = try? TextFile.read("/proc/\(pid)/stat", limit: 1 << 16),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
}
