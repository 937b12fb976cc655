// RecordCollector.swift: reads the audit source while the commands run and keeps the records of
// the launched processes, attributed through the process tree (while they are still alive when
// the tree has to walk /proc).

import SeccomposeRuntime
import Synchronization

/// The audit records of one supervisor's processes.
final class RecordCollector: Sendable {
    private struct State {
        var timer: PeriodicTask?
        var mine: [SeccompAuditRecord] = []
        /// Records not attributed: kept for the command-name fallback inside other pid namespaces.
        var others: [SeccompAuditRecord] = []
        var flushFailed = false
    }

    let source: (any AuditRecordSource)?
    /// Why the records may be incomplete from the start (the kmsg fallback, or no source at all).
    let openingWarning: String?
    let tree: ProcessTree
    private let state = Mutex(State())
    /// Held for a whole read (drain, attribution, append): a periodic read that drained records
    /// but has not filed them yet must finish before `take` hands over what was filed, or those
    /// records would be filed after the hand-over and never reported.
    private let reading = Mutex(())

    init(source: (any AuditRecordSource)?, warning: String?, tree: ProcessTree) {
        self.source = source
        openingWarning = warning
        self.tree = tree
    }

    /// Starts attributing what arrives every 20 ms while commands run.
    func start() {
        state.withLock { st in
            guard source != nil, st.timer == nil else { return }
            st.timer = PeriodicTask(everyMilliseconds: 20) { [weak self] in self?.collect() }
        }
    }

    /// Stops the periodic reads.
    func stop() {
        let timer = state.withLock { st in
            defer { st.timer = nil }
            return st.timer
        }
        // Outside the lock: a read in progress takes it, and stop() waits for that read.
        timer?.stop()
    }

    private func collect() {
        reading.withLock { _ in collectWhileReading() }
    }

    /// `collect`, with `reading` held.
    private func collectWhileReading() {
        guard let source else { return }
        let records = source.drain()
        guard !records.isEmpty else { return }
        // One tree query per process, not per record (a learning run has one record per call).
        var owned: [Int32: Bool] = [:]
        for r in records where owned[r.pid] == nil { owned[r.pid] = tree.contains(r.pid) }
        state.withLock { st in
            for r in records {
                if owned[r.pid] == true { st.mine.append(r) } else { st.others.append(r) }
            }
        }
    }

    /// Waits until the source has every record the kernel queued so far, then hands over the
    /// records of the launched processes (and forgets them). When none matched and
    /// `fallbackCommand` is given, records of that command name are taken instead (the
    /// supervisor runs in another pid namespace than the records' pids).
    func take(flushTimeout: Duration, fallbackCommand: String?) -> [SeccompAuditRecord] {
        if let source, !source.flush(timeout: flushTimeout) {
            state.withLock { $0.flushFailed = true }
        }
        // With `reading` held: a periodic read in progress has filed its records first.
        return reading.withLock { _ in
            collectWhileReading()
            return state.withLock { st in
                var out = st.mine
                st.mine = []
                if out.isEmpty, let fallbackCommand {
                    out = st.others.filter { $0.command == fallbackCommand }
                    st.others.removeAll { $0.command == fallbackCommand }
                }
                return out
            }
        }
    }

    /// Why the reports may be incomplete, one sentence each.
    var warnings: [String] {
        var out: [String] = []
        if let openingWarning { out.append(openingWarning) }
        if let source, source.lostRecords > 0 {
            out.append("\(source.lostRecords) audit record\(source.lostRecords == 1 ? " was" : "s were") lost: "
                + source.lossReasons.joined(separator: "; "))
        }
        if state.withLock({ $0.flushFailed }) {
            out.append("the audit records could not be confirmed complete (no barrier record arrived in time)")
        }
        if let reason = tree.fallbackReason { out.append("descendants are found by walking /proc: \(reason)") }
        return out
    }

    /// Whether everything was read from a lossless source and the tree saw every fork.
    var isComplete: Bool {
        guard let source else { return false }
        return openingWarning == nil && source.isLossless && source.lostRecords == 0
            && !state.withLock({ $0.flushFailed }) && tree.isComplete
    }

    /// Records known to be lost.
    var lostRecords: Int { source?.lostRecords ?? 0 }
}
