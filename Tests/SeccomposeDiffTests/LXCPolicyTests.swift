// LXC seccomp policies (versions 1 and 2): parsing as LXC reads them, errors at file:line:col
// with a fix, and the export read back decision by decision. The semantics are modelled from
// LXC's documentation and parser; LXCEnforcedTests checks one policy against real liblxc.

import Foundation
import SeccomposeDiff
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import Testing

@Suite("LXC policies")
struct LXCPolicyTests {
    static func load(_ text: String, host: Architecture = .x86_64) throws(LXCPolicyError) -> LXCImport {
        try LXCPolicyImporter.load(text: text, file: "p.seccomp", host: host)
    }

    @Test("version 1: an allowlist of the host's numbers on the host's ABI only; the rest kills the thread")
    func version1() throws {
        let i = try Self.load("1\nallowlist\n0\n1\n 60\n")
        #expect(i.version == 1)
        #expect(i.policy.architectures == [.x86_64])
        #expect(i.policy.defaultAction == .killThread)
        #expect(i.policy.otherArchitectureAction == .killThread)
        let d = i.policy.decisions(for: .x86_64)
        #expect(d["read"]?.action == .allow && d["write"]?.action == .allow && d["exit"]?.action == .allow)
        #expect(d["open"] == nil)
        // LXC 5.0.2 refuses the older spelling in version 1 ("Only allowlist policy is supported").
        #expect(throws: LXCPolicyError.self) { try Self.load("1\nwhitelist\n0\n") }
    }

    @Test("version 2: header default, rule defaults, actions, conditions, reject_force_umount, sections of other hosts skipped")
    func version2() throws {
        let text = """
            2
            denylist
            reject_force_umount
            # a comment
            [all]
            kexec_load errno 38
            mknod notify [1,8192,SCMP_CMP_MASKED_EQ,61440]
            ptrace
            personality trap [0,0xffffffff,!=]
            [arm]
            mount errno 1
            [x86_64]
            open_by_handle_at errno 1

            """
        let i = try Self.load(text)
        let p = i.policy
        #expect(p.defaultAction == .allow)
        #expect(p.architectures == [.x86_64, .x86, .x32])
        let d = p.decisions(for: .x86_64)
        #expect(d["kexec_load"]?.action == .errno(38))
        #expect(d["ptrace"]?.action == .killThread)  // a denylist's rules kill by default
        #expect(d["open_by_handle_at"]?.action == .errno(1))
        #expect(d["mount"] == nil, "an [arm] section does not apply on an x86-64 host")
        let mknod = try #require(d["mknod"])
        #expect(mknod.action == .allow)
        #expect(mknod.rules.first?.action == .userNotif)
        #expect(mknod.rules.first?.conditions == [ArgumentCondition(index: 1, .maskedEqual, 8192, mask: 61440)])
        #expect(mknod.action(arguments: [0, 0o20644, 0, 0, 0, 0], argumentBits: 64) == .userNotif)
        #expect(mknod.action(arguments: [0, 0o100644, 0, 0, 0, 0], argumentBits: 64) == .allow)
        let umount = try #require(d["umount2"])
        #expect(umount.action(arguments: [0, 1, 0, 0, 0, 0], argumentBits: 64) == .errno(13))
        #expect(umount.action(arguments: [0, 2, 0, 0, 0, 0], argumentBits: 64) == .allow)
        #expect(d["personality"]?.rules.first?.conditions == [ArgumentCondition(index: 0, .notEqual, 0xffff_ffff)])
        // x86 gets the rules too (LXC adds every rule to every ABI of the host).
        #expect(p.decisions(for: .x86)["kexec_load"]?.action == .errno(38))
        // An allowlist: default kill, rules allow; a header action is the policy's default.
        let a = try Self.load("2\nallowlist errno 1\nread\nwrite kill\n").policy
        #expect(a.defaultAction == .errno(1))
        #expect(a.syscalls["read"]?.action == .allow)
        #expect(a.syscalls["write"]?.action == .killThread)
        #expect(try Self.load("2\nwhitelist\nread\n").policy.defaultAction == .killThread)
        #expect(try Self.load("2\nblacklist errno 1\nmount\n").policy.defaultAction == .errno(1))
    }

    @Test("what LXC refuses is an error at file:line:col with a fix",
        arguments: [
            ("3\nallowlist\n", 1, 1, "first line must be the version"),
            ("2\n", 2, 1, "policy style"),
            ("2\nmaybelist\n", 2, 1, "unknown policy style"),
            ("2\nallowlist debug\n", 2, 11, "debug"),
            ("2\nallowlist fast\n", 2, 11, "unknown action 'fast'"),
            ("2\nallowlist\nread log\n", 3, 6, "does not accept the action 'log'"),
            ("2\ndenylist\nmount errno\n", 3, 13, "'errno' needs a number"),
            ("2\ndenylist\nmount errno 5000\n", 3, 13, "'errno' needs a number"),
            ("2\ndenylist\n[i386]\nmount\n", 3, 1, "unsupported architecture section '[i386]'"),
            ("2\ndenylist\n[x86_64] \nmount\n", 3, 1, "unsupported architecture section"),
            ("2\ndenylist\nmount [0,1,==]\n", 3, 7, "where LXC expects the action"),
            ("2\ndenylist\nmount errno 1 [7,1,==]\n", 3, 16, "argument index '7'"),
            ("2\ndenylist\nmount errno 1 [0,x,==]\n", 3, 18, "value 'x'"),
            ("2\ndenylist\nmount errno 1 [0,1,=~]\n", 3, 20, "unknown operator '=~'"),
            ("2\ndenylist\nmount errno 1 [0,1,==] [0,2,==]\n", 3, 24, "a second condition on argument 0"),
            ("2\ndenylist\nmount errno 1 [0,1,==] x\n", 3, 24, "text after the argument conditions"),
            ("2\ndenylist\nmount errno 1 [0,1\n", 3, 15, "no closing"),
            ("2\nallowlist errno 1\nread errno 1\n", 3, 1, "is the default action"),
            ("1\nallowlist\nread\n", 3, 1, "one syscall number per line"),
            ("1\nallowlist\n\n", 3, 1, "one syscall number per line"),
            ("1\nallowlist\n99999\n", 3, 1, "99999 is not a syscall number"),
            ("1\ndenylist\n0\n", 2, 1, "must be an allowlist"),
        ])
    func errors(text: String, line: Int, column: Int, message: String) {
        do {
            _ = try Self.load(text)
            Issue.record("no error for \(text.debugDescription)")
        } catch {
            let d = error.diagnostic
            #expect(d.file == "p.seccomp")
            #expect(d.line == line && d.column == column, "\(d)")
            #expect(d.message.contains(message), "\(d)")
            #expect(d.fix?.isEmpty == false, "\(d)")
            #expect(error.report.description.contains("p.seccomp:\(line):\(column)"), "\(error.report)")
        }
    }

    @Test("lines LXC skips are warnings at their position")
    func warnings() throws {
        let i = try Self.load("2\ndenylist\nnosuchcall errno 1\n mount errno 1\nmount errno 2\n")
        #expect(i.warnings.contains { $0.code == "unknown-syscall" && $0.line == 3 && $0.column == 1 })
        #expect(i.warnings.contains { $0.code == "skipped-line" && $0.line == 4 })
        #expect(i.policy.syscalls["mount"]?.action == .errno(2))
    }

    @Test("export: an expressible policy reads back identically; kill-process, log and missing ABIs are losses")
    func export() throws {
        let imported = try Self.load("2\nallowlist errno 1\nread\nwrite\nexit_group\nmknod notify [1,8192,&=,61440]\npersonality [0,0,==]\n"
            .replacingOccurrences(of: "personality [", with: "personality allow ["))
        var policy = imported.policy
        policy.argumentWidths = .kernel
        let check = try ExportCheck.lxc(policy, host: .x86_64)
        #expect(check.isLossless, "\(check.losses)\n\(check.export.json)")
        #expect(check.export.json.hasPrefix("2\nallowlist errno 1\n"), "\(check.export.json)")
        // kill-process has no LXC spelling (kill is the thread).
        var killing = policy
        killing.defaultAction = .killProcess
        let lossy = try ExportCheck.lxc(killing, host: .x86_64)
        #expect(!lossy.isLossless)
        #expect(lossy.losses.contains { $0.contains("kill-process") }, "\(lossy.losses)")
        // A policy of the native ABI only: LXC also filters x86 and x32.
        var native = policy
        native.architectures = [.x86_64]
        let abis = try ExportCheck.lxc(native, host: .x86_64)
        #expect(!abis.isLossless)
        #expect(abis.losses.contains { $0.hasPrefix("ABIs:") }, "\(abis.losses)")
    }
}
