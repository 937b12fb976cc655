// InMemoryAuditSource (for in-process supervisor tests) and the netlink source's overrun
// detection (a paused reader with a small receive buffer).

@testable import SeccomposeRuntime
import SeccomposePolicy
import SeccomposeTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("audit sources: the in-memory source and loss detection")
struct AuditMemorySourceTests {
    @Test("the in-memory source hands out what it was given, once")
    func memory() {
        let source: any AuditRecordSource = InMemoryAuditSource()
        let fake = source as? InMemoryAuditSource
        let r = SeccompAuditRecord(pid: 42, syscall: 63, arch: 0xC000_003E, code: 0x8000_0000, command: "uname")
        fake?.deliver([r])
        #expect(source.drain() == [r])
        #expect(source.drain().isEmpty)
        #expect(source.flush(timeout: .seconds(1)) && source.lostRecords == 0 && source.lossReasons.isEmpty)
        fake?.lose(3, reason: "test")
        fake?.setFlushResult(false)
        #expect(!source.flush(timeout: .seconds(1)) && source.lostRecords == 3 && source.lossReasons == ["test"])
        #expect(fake?.flushCount == 2)
        #expect(r.syscallName == "uname" && r.isKill)
    }

    @Test("a receive-buffer overrun (ENOBUFS) counts as lost and is explained")
    func overrun() throws {
        try AuditLive.requireRoot()
        let helper = try Support.requireBuilt("seccompose-audit-helper")
        let netlink = try AuditNetlinkSource(receiveBufferBytes: 4096)
        netlink.setReaderPaused(true)
        let program = try AuditLive.program(["getppid": SyscallDecision(action: .log)])
        let pid = try AuditLive.spawn([helper, "burst", "300", "110"], program)
        #expect(AuditLive.wait(pid) == 0)
        usleep(300_000)  // let kauditd multicast the burst into the full socket
        netlink.setReaderPaused(false)
        _ = netlink.flush(timeout: .seconds(10))
        let delivered = netlink.drain().filter { $0.pid == pid }.count
        print("overrun test: \(delivered) of 300 delivered through a \(netlink.receiveBufferBytes)-byte buffer, lostRecords \(netlink.lostRecords)")
        #expect(delivered < 300)
        #expect(netlink.lostRecords > 0)
        #expect(netlink.lossReasons.contains { $0.contains("ENOBUFS") }, "\(netlink.lossReasons)")
    }
}
