// Reporting.swift: the journal seam of the supervisor (audit records and the process tree come
// from SeccomposeRuntime's `AuditRecordSource` and `ProcessTree`), so the supervisor can be
// tested in process with fakes as well as end to end.

import SeccomposeRuntime

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
