// Reporting.swift: the journal seam of the supervisor (audit records and the process tree come
// from SeccomposeRuntime's `AuditRecordSource` and `ProcessTree`), so the supervisor can be
// tested in process with fakes as well as end to end.

import SeccomposeRuntime
import Synchronization

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
/// sent); entries are dropped silently only when no journal runs. An entry a listening journal
/// did not take (libsystemd cannot be loaded, or sending failed) is counted, and the first reason
/// is its `failure`.
public struct SystemJournal: JournalSink {
    /// The entries lost so far and why the first was, shared by the copies of this sink.
    private final class Losses: Sendable {
        let state = Mutex<(count: Int, first: String?)>((0, nil))
    }

    private let losses = Losses()

    /// The journal of this machine (or of the caller's mount namespace).
    public init() {}

    public func send(_ fields: [(String, String)]) {
        do { try Journal.write(fields) } catch {
            losses.state.withLock { state in
                state.count += 1
                if state.first == nil { state.first = "\(error.message); \(error.fix)" }
            }
        }
    }

    /// Set once an entry was not written although a journal listens: how many so far (the exit
    /// entry is sent after the outcome is made), and why the first was not.
    public var failure: String? {
        losses.state.withLock { state in
            state.first.map { "journal entries were not written (\(state.count) so far): \($0)" }
        }
    }
}
