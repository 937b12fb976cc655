// Parsing seccomp audit records (type=1326) as the kernel writes them. Every text here was
// captured on the 6.18 test machine from the audit netlink group or /dev/kmsg (seccompose-probe
// under a SystemCallLog=getppid filter, and `seccompose run` kills).

import Foundation
@testable import SeccomposeRuntime
import SeccomposePolicy
import SeccomposeSyscalls
import Testing

@Suite("audit records: parsing real texts")
struct AuditRecordTests {
    static let probeExe = "/srv/seccompose/.build/x86_64-unknown-linux-gnu/debug/seccompose-probe"

    @Test("an x86-64 LOG record from the netlink group: every field")
    func x86_64() throws {
        let text = "audit(1796602425.545:5): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=15828 "
            + "comm=\"seccompose-prob\" exe=\"\(Self.probeExe)\" sig=0 arch=c000003e syscall=110 compat=0 "
            + "ip=0x55a6a8b55c09 code=0x7ffc0000"
        let r = try #require(SeccompAuditRecord(auditMessage: Substring(text)))
        #expect(r.pid == 15828)
        #expect(r.command == "seccompose-prob")
        #expect(r.executable == Self.probeExe)
        #expect(r.arch == 0xC000_003E && r.syscall == 110 && r.compat == false && r.signal == 0)
        #expect(r.code == 0x7FFC_0000 && r.action == .log && !r.isKill)
        #expect(r.instructionPointer == 0x55a6_a8b5_5c09)
        #expect(r.uid == 0)
        #expect(r.serial == 5)
        #expect(r.timestamp == AuditTimestamp(seconds: 1_796_602_425, milliseconds: 545))
        #expect(r.timestamp?.description == "1796602425.545")
        #expect(r.abi == .x86_64 && r.syscallName == "getppid")
        // The netlink text has no type= prefix: the kmsg parser must not take it.
        #expect(SeccompAuditRecord(line: Substring(text)) == nil)
    }

    @Test("an i386 record: arch=40000003 compat=1, named from the i386 table")
    func i386() throws {
        let text = "audit(1796602425.557:6): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=15828 "
            + "comm=\"seccompose-prob\" exe=\"\(Self.probeExe)\" sig=0 arch=40000003 syscall=64 compat=1 "
            + "ip=0x55a6a8b55cad code=0x7ffc0000"
        let r = try #require(SeccompAuditRecord(auditMessage: Substring(text)))
        #expect(r.arch == 0x4000_0003 && r.syscall == 64 && r.compat == true)
        #expect(r.abi == .x86 && r.syscallName == "getppid", "i386 64 is getppid (x86-64 64 is semget)")
        #expect(r.serial == 6)
    }

    @Test("an x32 record: c000003e with the x32 bit in the number")
    func x32() throws {
        let text = "audit(1796602425.557:7): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=15828 "
            + "comm=\"seccompose-prob\" exe=\"\(Self.probeExe)\" sig=0 arch=c000003e syscall=1073741934 compat=0 "
            + "ip=0x55a6a8b55c09 code=0x7ffc0000"
        let r = try #require(SeccompAuditRecord(auditMessage: Substring(text)))
        #expect(r.syscall == 0x4000_006E && r.compat == false)
        #expect(r.abi == .x32 && r.syscallName == "getppid")
    }

    @Test("a kill from /dev/kmsg (kmsg prefix, type=1326), and the kernel log's copy of a netlink record")
    func kmsgKill() throws {
        let line = "6,339,622761790,-;audit: type=1326 audit(1796602387.737:3): auid=4294967295 uid=0 gid=0 "
            + "ses=4294967295 pid=14522 comm=\"uname\" exe=\"/usr/bin/uname\" sig=31 arch=c000003e syscall=63 "
            + "compat=0 ip=0x7f7eac9c5b07 code=0x80000000"
        let r = try #require(SeccompAuditRecord(line: Substring(line)))
        #expect(r.pid == 14522 && r.command == "uname" && r.executable == "/usr/bin/uname")
        #expect(r.signal == 31 && r.isKill && r.action == .killProcess)
        #expect(r.syscallName == "uname" && r.abi == .x86_64)
        #expect(r.serial == 3 && r.timestamp?.seconds == 1_796_602_387)
        // The older form kept working: the same record in dmesg's rendering.
        let dmesg = "[  622.761790] audit: type=1326 audit(1796602387.737:3): auid=4294967295 uid=0 gid=0 "
            + "ses=4294967295 pid=14522 comm=\"uname\" exe=\"/usr/bin/uname\" sig=31 arch=c000003e syscall=63 "
            + "compat=0 ip=0x7f7eac9c5b07 code=0x80000000"
        #expect(SeccompAuditRecord(line: Substring(dmesg)) == r)
    }

    @Test("hex-encoded comm and exe (a name with a space)")
    func hexFields() throws {
        let text = "audit(1796602429.677:8): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=16027 "
            + "comm=6D792070726F6265 exe=2F746D702F6D792070726F6265 sig=0 arch=c000003e syscall=110 compat=0 "
            + "ip=0x55bd32677c09 code=0x7ffc0000"
        let r = try #require(SeccompAuditRecord(auditMessage: Substring(text)))
        #expect(r.command == "my probe")
        #expect(r.executable == "/tmp/my probe")
    }

    @Test("a kill-thread record (code=0x0) and a record without exe")
    func killThread() throws {
        let text = "audit(1796602500.001:99): auid=4294967295 uid=1000 gid=1000 ses=4294967295 pid=7 comm=\"t\" "
            + "exe=(null) sig=31 arch=c000003e syscall=39 compat=0 ip=0x1 code=0x0"
        let r = try #require(SeccompAuditRecord(auditMessage: Substring(text)))
        #expect(r.isKill && r.action == .killThread && r.executable == "(null)" && r.uid == 1000)
    }

    @Test("texts that are not seccomp records are refused")
    func refused() {
        #expect(SeccompAuditRecord(line: "6,1,2,-;audit: type=1107 audit(1.2:3): pid=1 msg='x'") == nil)
        #expect(SeccompAuditRecord(auditMessage: "audit(1.2:3): pid=1 uid=0 msg='seccompose-flush-1'") == nil)
        #expect(SeccompAuditRecord(line: "6,1,2,-;audit: type=1326 audit(1.2:3): pid=1 syscall=2") == nil)
    }

    @Test("kmsg suppression lines count as lost records")
    func suppression() {
        #expect(KernelLogSource.suppressedCount("kauditd_printk_skb: 75 callbacks suppressed") == 75)
        #expect(KernelLogSource.suppressedCount("audit: printk limit exceeded") == 1)
        #expect(KernelLogSource.suppressedCount("audit: backlog limit exceeded") == 1)
        #expect(KernelLogSource.suppressedCount("eth0: 3 callbacks suppressed") == nil)
        var state = KernelLogSource.State()
        #expect(KernelLogSource.account("4,900,1,-;kauditd_printk_skb: 12 callbacks suppressed\n", into: &state))
        #expect(KernelLogSource.account("5,901,2,-;audit: type=1326 audit(1.002:3): pid=5 comm=\"x\" sig=0 "
            + "arch=c000003e syscall=110 compat=0 ip=0x1 code=0x7ffc0000\n", into: &state))
        #expect(state.suppressed == 12 && state.records.map(\.pid) == [5])
    }
}

/// `learn --journal`: a record belongs to the unit only in the boot where its process was the
/// unit's (process ids start again at every boot).
@Suite("journal attribution by boot and process")
struct JournalAttributionTests {
    static let bootA = String(repeating: "a", count: 32), bootB = String(repeating: "b", count: 32)

    @Test("a pid the unit's entries name counts in their boot only; running pids in the running boot")
    func byBoot() {
        let a = JournalAuditReader.Attribution(processes: [.init(boot: Self.bootA, pid: 100)], running: [200],
            runningBoot: Self.bootB)
        #expect(a.owns(pid: 100, boot: Self.bootA))
        #expect(!a.owns(pid: 100, boot: Self.bootB), "the same pid in a later boot is another process")
        #expect(a.owns(pid: 200, boot: Self.bootB))
        #expect(!a.owns(pid: 200, boot: Self.bootA), "a live or named pid is of the running boot")
        #expect(!a.owns(pid: 300, boot: Self.bootA) && !a.owns(pid: 300, boot: Self.bootB))
        #expect(a.pids == [100, 200])
    }

    @Test("a journal directory (no running boot): named pids count in any boot")
    func directory() {
        let a = JournalAuditReader.Attribution(processes: [.init(boot: Self.bootA, pid: 100)], running: [200], runningBoot: nil)
        #expect(a.owns(pid: 200, boot: Self.bootA) && a.owns(pid: 200, boot: Self.bootB))
        #expect(!a.owns(pid: 100, boot: Self.bootB))
    }

    @Test("the running boot's id as the journal writes _BOOT_ID: 32 lower-case hex digits")
    func runningBoot() throws {
        let id = try #require(JournalAuditReader.currentBootID())
        #expect(id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let proc = try TextFile.read("/proc/sys/kernel/random/boot_id")
        #expect(proc.replacingOccurrences(of: "-", with: "").trimmingCharacters(in: .whitespacesAndNewlines) == id)
    }
}
