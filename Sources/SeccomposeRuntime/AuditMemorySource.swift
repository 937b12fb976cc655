// AuditMemorySource.swift: an AuditRecordSource fed by its owner, for testing supervisors in
// process (records, losses and flush outcomes are chosen by the test).

import Synchronization

/// An audit record source whose records and losses are supplied by the caller.
public final class InMemoryAuditSource: AuditRecordSource {
    struct State: Sendable {
        var records: [SeccompAuditRecord] = []
        var lost = 0
        var reasons: [String] = []
        var flushResult = true
        var flushes = 0
    }

    private let state = Mutex(State())
    /// What `isLossless` answers.
    public let isLossless: Bool

    /// An empty source; `isLossless` as given.
    public init(isLossless: Bool = true) {
        self.isLossless = isLossless
    }

    /// Queues records for the next `drain()`.
    public func deliver(_ records: [SeccompAuditRecord]) {
        state.withLock { $0.records += records }
    }

    /// Counts `count` lost records, for `reason`.
    public func lose(_ count: Int, reason: String) {
        state.withLock {
            $0.lost += count
            $0.reasons.append(reason)
        }
    }

    /// Sets what `flush(timeout:)` returns from now on (default true).
    public func setFlushResult(_ result: Bool) {
        state.withLock { $0.flushResult = result }
    }

    /// How many times `flush(timeout:)` was called.
    public var flushCount: Int { state.withLock { $0.flushes } }

    /// The records delivered since the last call.
    public func drain() -> [SeccompAuditRecord] {
        state.withLock { st in
            defer { st.records.removeAll() }
            return st.records
        }
    }

    /// Returns the result set with `setFlushResult` (immediately).
    public func flush(timeout: Duration) -> Bool {
        state.withLock { st in
            st.flushes += 1
            return st.flushResult
        }
    }

    /// The records counted by `lose(_:reason:)`.
    public var lostRecords: Int { state.withLock { $0.lost } }

    /// The reasons given to `lose(_:reason:)`.
    public var lossReasons: [String] { state.withLock { $0.reasons } }
}
