// RecordCollector.swift: reads the audit feed while the command runs and keeps the records of
// the launched processes (attributed while they are still alive), on one serial queue.

import Dispatch
import SeccomposeRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The audit records of one supervisor's processes. The feed and the scope are used on the
/// collector's queue only.
final class RecordCollector: @unchecked Sendable {
    private let feed: (any AuditFeed)?
    private let scope: any ProcessScope
    private let queue = DispatchQueue(label: "seccompose.audit-records")
    private var timer: (any DispatchSourceTimer)?
    private var mine: [SeccompAuditRecord] = []
    /// Records not attributed (yet): kept for the command-name fallback inside other pid namespaces.
    private var others: [SeccompAuditRecord] = []

    init(feed: (any AuditFeed)?, scope: any ProcessScope) {
        self.feed = feed
        self.scope = scope
    }

    var isLossless: Bool { queue.sync { feed?.isLossless ?? false } }
    var warning: String? {
        queue.sync {
            guard let feed else {
                return "no audit records can be read (needs root for the audit netlink socket, or /dev/kmsg): violations cannot be named"
            }
            return feed.warning
        }
    }
    var lostRecords: Int { queue.sync { feed?.lostRecords ?? 0 } }

    /// Follows the descendants of a newly spawned process.
    func add(root pid: pid_t) { queue.sync { scope.add(root: pid) } }

    /// Starts reading every 20 ms while commands run.
    func start() {
        queue.sync {
            guard feed != nil, timer == nil else { return }
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(deadline: .now() + .milliseconds(20), repeating: .milliseconds(20))
            t.setEventHandler { [weak self] in self?.collect() }
            t.resume()
            timer = t
        }
    }

    /// Stops the periodic reads.
    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    /// Runs on the queue: attributes what arrived.
    private func collect() {
        guard let feed else { return }
        for r in feed.drain() {
            if scope.contains(r.pid) { mine.append(r) } else { others.append(r) }
        }
    }

    /// Waits for what the kernel queued so far, then hands over the records of this
    /// supervisor's processes (and removes them). Records whose pid is not known but whose
    /// command is `fallbackCommand` are taken when none of the known processes matched (the
    /// supervisor runs in another pid namespace than the audit records' pids).
    func take(flushSeconds: Double, fallbackCommand: String?) -> [SeccompAuditRecord] {
        queue.sync {
            if let feed {
                _ = feed.flush(seconds: flushSeconds)
                collect()
            }
            var out = mine
            mine = []
            if out.isEmpty, let fallbackCommand {
                out = others.filter { $0.command == fallbackCommand }
                others.removeAll { $0.command == fallbackCommand }
            }
            return out
        }
    }

    /// The descendants known to be running.
    func running() -> [pid_t] { queue.sync { scope.running() } }
}
