// Live kernel tests of the audit record sources and ProcessTree: filters are installed into
// child processes by Launcher.spawn (never into the test runner); the records come from the
// real kernel. They need root (CAP_AUDIT_READ, CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE and
// CAP_NET_ADMIN in the initial namespaces) and fail, not skip, without it: CI runs as root.

import Foundation
import SeccomposeCompiler
import SeccomposePolicy
@testable import SeccomposeRuntime
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

enum AuditLive {
    static func requireRoot(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(geteuid() == 0,
            "this test reads the audit netlink group and the proc connector: run it as root (CAP_AUDIT_READ, CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE, CAP_NET_ADMIN); CI runs as root",
            sourceLocation: sourceLocation)
    }

    /// A program that allows everything on the x86 ABIs except `rules`.
    static func program(_ rules: [String: SyscallDecision]) throws -> Program {
        try Compiler.compile(Probe.allowing(except: rules))
    }

    /// Spawns `argv` under `program` and returns its pid.
    static func spawn(_ argv: [String], _ program: Program) throws -> pid_t {
        do {
            return try Launcher.spawn(argv, environment: ["PATH=/usr/bin:/bin"], program: program)
        } catch {
            Issue.record("cannot spawn \(argv): \(error)")
            throw error
        }
    }

    /// Waits for `pid`; returns the exit status or 128 + signal.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    static func openNetlink(sourceLocation: SourceLocation = #_sourceLocation) throws -> AuditNetlinkSource {
        do {
            return try AuditNetlinkSource()
        } catch {
            Issue.record("the audit netlink source cannot be opened: \(error)", sourceLocation: sourceLocation)
            throw error
        }
    }
}

@Suite("audit sources and process trees on the live kernel", .serialized)
struct AuditSourceLiveTests {
    @Test("a burst of 1000 logged calls: netlink delivers all after flush, nothing lost; kmsg measured")
    func burst() throws {
        try AuditLive.requireRoot()
        let helper = try Support.requireBuilt("seccompose-audit-helper")
        let netlink = try AuditLive.openNetlink()
        #expect(netlink.isLossless, "\(netlink.lossReasons)")
        let kmsg = try KernelLogSource()
        #expect(!kmsg.isLossless)
        // The kernel log's share is measured from a fresh printk rate-limit window (5 s).
        sleep(6)
        _ = kmsg.drain()
        let program = try AuditLive.program(["getppid": SyscallDecision(action: .log)])
        let pid = try AuditLive.spawn([helper, "burst", "1000", "110"], program)
        #expect(AuditLive.wait(pid) == 0)
        let start = ContinuousClock.now
        let flushed = netlink.flush(timeout: .seconds(20))
        let flushTime = ContinuousClock.now - start
        let delivered = netlink.drain().filter { $0.pid == pid && $0.syscall == 110 && $0.action == .log }
        #expect(flushed, "the flush barrier was not confirmed: \(netlink.lossReasons)")
        #expect(delivered.count == 1000, "netlink delivered \(delivered.count) of 1000")
        #expect(netlink.lostRecords == 0, "\(netlink.lossReasons)")
        #expect(Set(delivered.compactMap(\.serial)).count == 1000, "every record has its own serial")
        // The kernel reports a suppression only when a message passes the limit again: after the
        // window, the next flush's marker does (it is printed to the kernel log too).
        _ = kmsg.flush(timeout: .seconds(1))
        var viaKmsg = kmsg.drain().filter { $0.pid == pid && $0.syscall == 110 }.count
        sleep(6)
        #expect(netlink.flush(timeout: .seconds(5)))
        _ = kmsg.flush(timeout: .seconds(2))
        viaKmsg += kmsg.drain().filter { $0.pid == pid && $0.syscall == 110 }.count
        print("audit burst of 1000 logged getppid calls: netlink delivered \(delivered.count), lostRecords "
            + "\(netlink.lostRecords) (flush took \(flushTime), receive buffer \(netlink.receiveBufferBytes) bytes); "
            + "/dev/kmsg delivered \(viaKmsg), lostRecords (suppressions the kernel reported) \(kmsg.lostRecords)")
        #expect(viaKmsg < 1000, "kmsg is expected to be rate-limited (printk_ratelimit)")
    }

    @Test("a flush with nothing pending is confirmed, and the barrier orders after a kill record")
    func flushBarrier() throws {
        try AuditLive.requireRoot()
        let netlink = try AuditLive.openNetlink()
        #expect(netlink.flush(timeout: .seconds(5)), "\(netlink.lossReasons)")
        let program = try AuditLive.program(["uname": SyscallDecision(action: .killProcess)])
        for _ in 0..<5 {
            let pid = try AuditLive.spawn(["/bin/uname"], program)
            #expect(AuditLive.wait(pid) == 128 + SIGSYS)
            // No polling: once the flush returns, the record must be there.
            #expect(netlink.flush(timeout: .seconds(5)))
            let kills = netlink.drain().filter { $0.pid == pid }
            #expect(kills.count == 1 && kills.first?.isKill == true && kills.first?.syscallName == "uname", "\(kills)")
        }
        #expect(netlink.lostRecords == 0)
    }

    @Test("stopReading through the protocol ends the netlink reader: soon no flush marker is seen")
    func stopReadingThroughTheProtocol() throws {
        try AuditLive.requireRoot()
        let source: any AuditRecordSource = try AuditLive.openNetlink()
        #expect(source.flush(timeout: .seconds(5)), "the reader works before: \(source.lossReasons)")
        // Called on the existential, as Supervisor.close calls it: the source's own method runs
        // (a requirement of the protocol, not only a default in an extension).
        source.stopReading()
        // The reader may still file what it was reading when told; once it has ended, no
        // marker comes back. (Were the call a no-op, every flush would be confirmed.)
        var confirmed = true
        let deadline = ContinuousClock.now + .seconds(10)
        while confirmed && ContinuousClock.now < deadline { confirmed = source.flush(timeout: .milliseconds(300)) }
        #expect(!confirmed, "the reader still confirms flushes 10 s after stopReading")
    }

    @Test("sh -c 'uname; exit 0': the killed grandchild is in the tree and its record is attributed to it; an unrelated process's record is not")
    func grandchild() throws {
        try AuditLive.requireRoot()
        let netlink = try AuditLive.openNetlink()
        let tree = ProcessTree()
        #expect(tree.mechanism == .procConnector, "\(tree.fallbackReason ?? "")")
        let program = try AuditLive.program(["uname": SyscallDecision(action: .killProcess)])
        let root = try AuditLive.spawn(["/bin/sh", "-c", "uname; exit 0"], program)
        tree.add(root: root)
        let stranger = try AuditLive.spawn(["/bin/uname"], program)
        #expect(AuditLive.wait(root) == 0, "sh goes on after its child is killed")
        #expect(AuditLive.wait(stranger) == 128 + SIGSYS)
        #expect(netlink.flush(timeout: .seconds(10)), "\(netlink.lossReasons)")
        let records = netlink.drain().filter { $0.syscallName == "uname" && $0.isKill }
        let ours = records.filter { tree.contains($0.pid) }
        #expect(ours.count == 1, "\(records) members \(tree.members)")
        if let kill = ours.first {
            #expect(kill.pid != root, "the record is the grandchild's, not sh's")
            #expect(kill.command == "uname" && kill.executable == "/usr/bin/uname" && kill.abi == .x86_64)
            #expect(kill.syscall == 63 && kill.action == .killProcess && kill.signal == SIGSYS)
        }
        #expect(records.contains { $0.pid == stranger }, "the unrelated process's kill was recorded too")
        #expect(!tree.contains(stranger))
        #expect(tree.membership(of: stranger) == .notMember)
        #expect(tree.isComplete)
        #expect(netlink.lostRecords == 0)
    }

    @Test("a thread's call is recorded under its process's pid, which the tree contains")
    func thread() throws {
        try AuditLive.requireRoot()
        let helper = try Support.requireBuilt("seccompose-audit-helper")
        let netlink = try AuditLive.openNetlink()
        let tree = ProcessTree()
        let program = try AuditLive.program(["getppid": SyscallDecision(action: .log)])
        try Support.withTemporaryDirectory { dir in
            let out = dir.appendingPathComponent("ids").path
            let pid = try AuditLive.spawn([helper, "thread", "110", out], program)
            tree.add(root: pid)
            #expect(AuditLive.wait(pid) == 0)
            let words = try String(contentsOfFile: out, encoding: .utf8).split(separator: " ")
            let tid = try #require(words.count == 4 ? Int32(words[3].filter(\.isNumber)) : nil, "\(words)")
            #expect(Int32(words[1]) == pid)
            #expect(tid != pid, "the call was made in a second thread")
            #expect(netlink.flush(timeout: .seconds(10)))
            let records = netlink.drain().filter { $0.syscall == 110 && ($0.pid == pid || $0.pid == tid) }
            #expect(records.count == 1, "\(records)")
            #expect(records.first?.pid == pid, "records carry the TGID")
            #expect(records.allSatisfy { tree.contains($0.pid) })
            #expect(!tree.members.contains(tid), "threads are not processes of the tree")
        }
    }

    @Test("the factory prefers netlink; without it, kmsg with a warning that says what and how to fix")
    func factory() throws {
        try AuditLive.requireRoot()
        #expect(AuditSources.unloggedActions().isEmpty, "this machine logs kills and LOG (kernel.seccomp.actions_logged)")
        #expect(AuditSources.unloggedActions(["log", "no_such_action"]) == ["no_such_action"])
        #expect(AuditNetlinkSource.markerProblem() == nil, "root in the initial pid namespace can send the marker")
        // The status text decides: CapEff bit 29 (CAP_AUDIT_WRITE) and a one-level NSpid.
        func status(_ capEff: String, _ nspid: String) -> [UInt8] {
            Array("Name:\tx\nUmask:\t0022\nNSpid:\t\(nspid)\nCapInh:\t0000000000000000\nCapEff:\t\(capEff)\nSeccomp:\t0\n".utf8)
        }
        #expect(AuditNetlinkSource.markerProblem(status: status("000001ffffffffff", "4242")) == nil)
        #expect(AuditNetlinkSource.markerProblem(status: status("0000000020000000", "7")) == nil)
        let noCap = AuditNetlinkSource.markerProblem(status: status("000001ffdfffffff", "4242"))
        #expect(noCap?.hasPrefix("this process lacks CAP_AUDIT_WRITE") == true, "\(String(describing: noCap))")
        let nested = AuditNetlinkSource.markerProblem(status: status("000001ffffffffff", "4242\t1"))
        #expect(nested?.hasPrefix("this process runs in a child pid namespace") == true, "\(String(describing: nested))")
        #expect(AuditNetlinkSource.markerProblem(status: Array("Name:\tx\n".utf8)) == nil, "nothing to tell from")
        let best = try AuditSources.open()
        #expect(best.kind == .netlink && best.warning == nil && best.source.isLossless)
        let fallback = try AuditSources.open(allowNetlink: false)
        #expect(fallback.kind == .kernelLog && !fallback.source.isLossless)
        let warning = try #require(fallback.warning)
        #expect(warning.hasPrefix("audit records may be lost"), "\(warning)")
        #expect(warning.contains("fix: run as root / grant CAP_AUDIT_READ"), "\(warning)")
        #expect(!fallback.source.flush(timeout: .milliseconds(200)), "kmsg cannot confirm a flush")
        #expect(fallback.source.lossReasons.first?.contains("rate-limited") == true)
    }
}
