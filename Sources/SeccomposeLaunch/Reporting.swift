// Reporting.swift: the journal seam of the supervisor (audit records and the process tree come
// from SeccomposeRuntime's `AuditRecordSource` and `ProcessTree`), so the supervisor can be
// tested in process with fakes as well as end to end.

import SeccomposeRuntime

/// Where start, violation and exit entries go.
public protocol JournalSink: Sendable {
    /// Sends one structured entry (`MESSAGE`, `PRIORITY`, … fields).
    func send(_ fields: [(String, String)])

    /// Why entries sent here are lost although a journal listens (one sentence with its fix), or
    /// nil. The supervisor adds it to its outcome's warnings.
    var failure: String? { get }
}

extension JournalSink {
    /// A sink that loses nothing it is given.
    public var failure: String? { nil }
}

/// The systemd journal through libsystemd (`sd_journal_sendv`, loaded when the first entry is
/// sent); entries are dropped silently only when no journal runs.
public struct SystemJournal: JournalSink {
    /// The journal of this machine (or of the caller's mount namespace).
    public init() {}

    public func send(_ fields: [(String, String)]) { Journal.send(fields) }

    /// Set when a journal listens but libsystemd cannot be loaded.
    public var failure: String? {
        Journal.failure.map { "no journal entries were written: \($0.message); \($0.fix)" }
    }
}
