// A record drained by the periodic read but not yet filed when the report takes the records must
// still be reported: `take` waits for a read in progress (RecordCollector's `reading` lock). The
// race showed under load as a learning run whose evidence was "complete" without a grandchild's
// call; here a source that pauses between draining and returning makes it happen every time.

import Foundation
@testable import SeccomposeLaunch
import SeccomposeRuntime
import Synchronization
import Testing

/// A source whose first non-empty drain hands its records over only after `pause`, having
/// signalled `drained` (the window in which a report used to take the records without them).
final class PausingSource: AuditRecordSource {
    let isLossless = true
    let lostRecords = 0
    let drained = DispatchSemaphore(value: 0)
    private let queued: Mutex<[SeccompAuditRecord]>
    let pause: Duration

    init(_ records: [SeccompAuditRecord], pause: Duration) {
        queued = Mutex(records)
        self.pause = pause
    }

    func drain() -> [SeccompAuditRecord] {
        let out = queued.withLock { q in
            defer { q = [] }
            return q
        }
        if !out.isEmpty {
            drained.signal()
            Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds))
        }
        return out
    }

    func flush(timeout: Duration) -> Bool { true }
}

@Suite("Audit records: a read in progress is finished before the records are handed over")
struct RecordCollectorRaceTests {
    @Test("a record the periodic read drained is reported, however late that read files it")
    func drainedRecordIsReported() throws {
        let me = getpid()
        let line = "type=SECCOMP msg=audit(1700000000.123:456): auid=0 uid=0 gid=0 ses=1 pid=\(me) comm=\"sync\" "
            + "exe=\"/usr/bin/sync\" sig=0 arch=c000003e syscall=162 compat=0 ip=0x7f0000000000 code=0x7ffc0000"
        let record = try #require(SeccompAuditRecord(line: Substring(line)))
        let source = PausingSource([record], pause: .milliseconds(300))
        let tree = ProcessTree()
        tree.add(root: me)
        let collector = RecordCollector(source: source, warning: nil, tree: tree)
        collector.start()
        defer { collector.stop() }
        // The periodic read has drained the record and is still holding it.
        #expect(source.drained.wait(timeout: .now() + 5) == .success)
        let taken = collector.take(flushTimeout: .seconds(1), fallbackCommand: nil)
        #expect(taken == [record], "the record the periodic read drained was not handed over")
    }
}
