// The seccomp-backed exec directives (reference: systemd-argument-directives.md): parsing, the
// filters systemd 252 installs (and 262 where it differs), and their decisions on tricky
// arguments for x86-64, x32 and i386. Every decision row below was also checked against systemd
// 252.39's own filter builders (libsystemd-shared-252.so, libseccomp 2.5.4) by installing them in
// a child process and making the calls.

import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import Testing

@testable import SeccomposeSystemd

/// A unit fragment read as systemd reads it: the directives and the SystemCall*= settings.
struct DirectiveUnit {
    var directives: ExecDirectives
    var settings: SystemCallSettings
    var diagnostics: [Diagnostic]

    init(_ fragment: String, version: SystemdVersion = .v252, section: String = "Service",
        configure: (inout ExecDirectives) -> Void = { _ in }) throws
    {
        let context = try SystemdContext(version: version, native: .x86_64, argumentWidths: .systemd)
        directives = ExecDirectives(context: context)
        configure(&directives)
        settings = SystemCallSettings(context: context)
        let (assignments, lineDiagnostics) = UnitSettingsReader.assignments(of: "[\(section)]\n" + fragment, file: "test.service")
        diagnostics = lineDiagnostics
        for a in assignments {
            diagnostics += directives.apply(a)
            diagnostics += settings.apply(a)
        }
    }

    /// The whole stack as one policy.
    func policy() throws -> Policy { try SystemdPolicyBuilder.build(settings, directives: directives).policy }

    /// The layers, by setting.
    var layers: [FilterLayer] { directives.filterLayers(settings: settings) }
}

/// One call and the decision systemd's filters give it.
struct Probe: CustomStringConvertible {
    var abi: Architecture
    var name: String
    var arguments: [UInt64]
    var expected: Action

    var description: String {
        "\(abi) \(name)(\(arguments.map { "0x" + String($0, radix: 16) }.joined(separator: ", "))) → \(expected)"
    }
}

let x64 = Architecture.x86_64, x32 = Architecture.x32, i386 = Architecture.x86
let allABIs = [x64, x32, i386]
let EPERM = Action.errno(1), ENOSYS = Action.errno(38), EAFNOSUPPORT = Action.errno(97)
/// A bit only in the upper half of a 64-bit register.
let upper: UInt64 = 1 << 32
/// AT_FDCWD (-100), sign-extended.
let atFDCWD = UInt64(bitPattern: -100)
/// An fd argument (-1, sign-extended).
let fd = UInt64.max

/// Rows for several ABIs with one expected action.
func rows(_ abis: [Architecture], _ name: String, _ arguments: [UInt64], _ expected: Action) -> [Probe] {
    abis.map { Probe(abi: $0, name: name, arguments: arguments, expected: expected) }
}

/// Checks every row against the policy (a row for a call the ABI lacks is a test error).
func check(_ policy: Policy, _ probes: [Probe], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for p in probes {
        guard let nr = SyscallTable.number(of: p.name, on: p.abi) else {
            Issue.record("\(label): \(p.abi) has no \(p.name)", sourceLocation: sourceLocation)
            continue
        }
        let got = policy.action(abi: p.abi, number: nr, arguments: p.arguments)
        #expect(got == p.expected, "\(label): \(p) but got \(got)", sourceLocation: sourceLocation)
    }
}

enum NS {
    static let cgroup: UInt64 = 0x0200_0000, ipc: UInt64 = 0x0800_0000, net: UInt64 = 0x4000_0000, mnt: UInt64 = 0x0002_0000
    static let pid: UInt64 = 0x2000_0000, user: UInt64 = 0x1000_0000, uts: UInt64 = 0x0400_0000, time: UInt64 = 0x80
    static let sigchld: UInt64 = 0x11
}

// MARK: - Decisions

@Suite("RestrictNamespaces= decisions")
struct RestrictNamespacesDecisionTests {
    @Test("~user net, 252: the setns(fd, 1<<32) hole on x86-64 only; ~net also blocks time")
    func tildeUserNet252() throws {
        let p = try DirectiveUnit("RestrictNamespaces=~user net").policy()
        var r: [Probe] = []
        r += rows(allABIs, "setns", [fd, 0], EPERM)
        r += rows([x64], "setns", [fd, upper], .allow)  // 64-bit EQ 0 does not match; the kernel reads 0
        r += rows([x32, i386], "setns", [fd, upper], EPERM)  // only the low word is compared
        r += rows([x64], "setns", [fd, 0xFFFF_FFFF_0000_0000], .allow)
        r += rows([x32, i386], "setns", [fd, 0xFFFF_FFFF_0000_0000], EPERM)
        for abi in allABIs {
            r += rows([abi], "setns", [fd, NS.net], EPERM)
            r += rows([abi], "setns", [fd, NS.user], EPERM)
            r += rows([abi], "setns", [fd, NS.time], EPERM)  // 252: retain = ALL & ~flags lacks time
            r += rows([abi], "setns", [fd, NS.mnt], .allow)
            r += rows([abi], "setns", [fd, NS.mnt | NS.pid | NS.ipc | NS.uts | NS.cgroup], .allow)
            r += rows([abi], "setns", [fd, NS.mnt | NS.net], EPERM)
            r += rows([abi], "setns", [fd, upper | NS.net], EPERM)
            r += rows([abi], "setns", [fd, upper | NS.mnt], .allow)
            r += rows([abi], "setns", [fd, .max], EPERM)
            r += rows([abi], "setns", [fd, UInt64(bitPattern: -2)], EPERM)
            r += rows([abi], "setns", [fd, 0x1], .allow)  // no namespace bit: not the zero test
            r += rows([abi], "setns", [fd, 0x8000_0000], .allow)
            r += rows([abi], "unshare", [NS.net], EPERM)
            r += rows([abi], "unshare", [NS.user], EPERM)
            r += rows([abi], "unshare", [NS.time], EPERM)
            r += rows([abi], "unshare", [NS.mnt], .allow)
            r += rows([abi], "unshare", [0], .allow)
            r += rows([abi], "unshare", [upper], .allow)
            r += rows([abi], "unshare", [upper | NS.user], EPERM)
            r += rows([abi], "unshare", [.max], EPERM)
            r += rows([abi], "clone", [NS.user | NS.sigchld], EPERM)
            r += rows([abi], "clone", [NS.mnt | NS.sigchld], .allow)
            r += rows([abi], "clone", [NS.sigchld], .allow)
            r += rows([abi], "clone", [NS.time], EPERM)  // 0x80 lies in the exit-signal byte
            r += rows([abi], "clone3", [0, 88], ENOSYS)
        }
        check(p, r, "252 ~user net")
    }

    @Test("~user net, 262: the zero test compares the low 32 bits; time is in the all-mask")
    func tildeUserNet262() throws {
        let p = try DirectiveUnit("RestrictNamespaces=~user net", version: .v262).policy()
        var r: [Probe] = []
        r += rows(allABIs, "setns", [fd, upper], EPERM)
        r += rows(allABIs, "setns", [fd, 0xFFFF_FFFF_0000_0000], EPERM)
        r += rows(allABIs, "setns", [fd, NS.time], .allow)
        r += rows(allABIs, "unshare", [NS.time], .allow)
        r += rows(allABIs, "unshare", [NS.net], EPERM)
        r += rows(allABIs, "setns", [fd, NS.user], EPERM)
        r += rows(allABIs, "setns", [fd, NS.mnt], .allow)
        r += rows(allABIs, "clone3", [], ENOSYS)
        check(p, r, "262 ~user net")
    }

    @Test("net: only net may be joined or created; setns(fd, 0) refused")
    func onlyNet() throws {
        for version in SystemdVersion.allCases {
            let p = try DirectiveUnit("RestrictNamespaces=net", version: version).policy()
            var r: [Probe] = []
            r += rows(allABIs, "setns", [fd, NS.net], .allow)
            r += rows(allABIs, "setns", [fd, 0], EPERM)
            r += rows([x64], "setns", [fd, upper], version == .v252 ? .allow : EPERM)
            r += rows([x32, i386], "setns", [fd, upper], EPERM)
            r += rows(allABIs, "setns", [fd, NS.mnt], EPERM)
            r += rows(allABIs, "unshare", [NS.net], .allow)
            r += rows(allABIs, "unshare", [NS.time], EPERM)
            r += rows(allABIs, "unshare", [NS.net | NS.user], EPERM)
            r += rows(allABIs, "clone", [NS.net | NS.sigchld], .allow)
            r += rows(allABIs, "clone", [NS.pid | NS.sigchld], EPERM)
            check(p, r, "\(version) net")
        }
    }

    @Test("time alone: 252 refuses setns() outright (retain & ALL == 0); 262 keeps per-type rules")
    func onlyTime() throws {
        let p252 = try DirectiveUnit("RestrictNamespaces=time").policy()
        var r: [Probe] = []
        r += rows(allABIs, "setns", [fd, NS.time], EPERM)
        r += rows(allABIs, "setns", [fd, NS.net], EPERM)
        r += rows(allABIs, "setns", [fd, upper], EPERM)
        r += rows(allABIs, "unshare", [NS.time], .allow)
        r += rows(allABIs, "unshare", [NS.net], EPERM)
        check(p252, r, "252 time")
        let p262 = try DirectiveUnit("RestrictNamespaces=time", version: .v262).policy()
        r = []
        r += rows(allABIs, "setns", [fd, NS.time], .allow)
        r += rows(allABIs, "setns", [fd, NS.net], EPERM)
        r += rows(allABIs, "setns", [fd, upper], EPERM)
        r += rows(allABIs, "setns", [fd, 0], EPERM)
        r += rows(allABIs, "unshare", [NS.time], .allow)
        check(p262, r, "262 time")
    }

    @Test("yes: every type refused, setns() unconditionally")
    func yes() throws {
        let p = try DirectiveUnit("RestrictNamespaces=yes").policy()
        var r: [Probe] = []
        for t in [NS.cgroup, NS.ipc, NS.net, NS.mnt, NS.pid, NS.user, NS.uts, NS.time] {
            r += rows(allABIs, "unshare", [t], EPERM)
            r += rows(allABIs, "clone", [t | NS.sigchld], EPERM)
        }
        r += rows(allABIs, "setns", [fd, upper], EPERM)
        r += rows(allABIs, "setns", [fd, 0x1], EPERM)
        r += rows(allABIs, "unshare", [0], .allow)
        r += rows(allABIs, "unshare", [0x400], .allow)  // CLONE_FILES
        r += rows(allABIs, "clone", [NS.sigchld], .allow)
        r += rows(allABIs, "clone3", [], ENOSYS)
        check(p, r, "yes")
    }

    @Test("settings that install no filter in 252 (and a filter in 262)")
    func noFilter() throws {
        for value in ["~time", "cgroup ipc net mnt pid user uts"] {
            let u = try DirectiveUnit("RestrictNamespaces=\(value)")
            #expect(u.layers.isEmpty, "252 \(value)")
            check(try u.policy(), rows(allABIs, "clone3", [], .allow) + rows(allABIs, "unshare", [NS.time], .allow), "252 \(value)")
            let n = try DirectiveUnit("RestrictNamespaces=\(value)", version: .v262)
            check(try n.policy(), rows(allABIs, "clone3", [], ENOSYS) + rows(allABIs, "unshare", [NS.time], EPERM)
                + rows(allABIs, "unshare", [NS.net], .allow), "262 \(value)")
        }
        for fragment in ["RestrictNamespaces=no", "RestrictNamespaces=", "RestrictNamespaces=yes\nRestrictNamespaces=",
            "RestrictNamespaces=~", "RestrictNamespaces=no\nRestrictNamespaces=net"]
        {
            #expect(try DirectiveUnit(fragment).layers.isEmpty, "\(fragment)")
        }
    }
}

@Suite("RestrictAddressFamilies= decisions")
struct RestrictAddressFamiliesDecisionTests {
    static let AF_UNIX: UInt64 = 1, AF_INET: UInt64 = 2, AF_INET6: UInt64 = 10, AF_NETLINK: UInt64 = 16, AF_PACKET: UInt64 = 17

    @Test("~AF_PACKET AF_NETLINK, 252: 64-bit equality on x86-64 (upper-half hole), none on i386")
    func denyList252() throws {
        let p = try DirectiveUnit("RestrictAddressFamilies=~AF_PACKET AF_NETLINK").policy()
        var r: [Probe] = []
        r += rows([x64, x32], "socket", [Self.AF_PACKET, 3, 0], EAFNOSUPPORT)
        r += rows([x64, x32], "socket", [Self.AF_NETLINK, 3, 0], EAFNOSUPPORT)
        r += rows([x64, x32], "socket", [Self.AF_INET, 1, 0], .allow)
        r += rows([x64, x32], "socket", [0, 1, 0], .allow)
        r += rows([x64, x32], "socket", [.max, 1, 0], .allow)
        r += rows([x64], "socket", [upper | Self.AF_PACKET, 3, 0], .allow)  // the kernel reads AF_PACKET
        r += rows([x32], "socket", [upper | Self.AF_PACKET, 3, 0], EAFNOSUPPORT)
        r += rows([x64], "socket", [0xFFFF_FFFF_0000_0000 | Self.AF_NETLINK, 3, 0], .allow)
        r += rows([i386], "socket", [Self.AF_PACKET, 3, 0], .allow)  // no i386 filter at all
        r += rows([i386], "socketcall", [1, 0], .allow)  // SYS_SOCKET through the multiplexer
        r += rows([x64, x32], "socketpair", [Self.AF_PACKET, 1, 0, 0], .allow)  // only socket() is filtered
        check(p, r, "252 deny-list")
    }

    @Test("~AF_PACKET AF_NETLINK, 262: low 32 bits only")
    func denyList262() throws {
        let p = try DirectiveUnit("RestrictAddressFamilies=~AF_PACKET AF_NETLINK", version: .v262).policy()
        var r: [Probe] = []
        r += rows([x64, x32], "socket", [upper | Self.AF_PACKET, 3, 0], EAFNOSUPPORT)
        r += rows([x64, x32], "socket", [Self.AF_PACKET, 3, 0], EAFNOSUPPORT)
        r += rows([x64, x32], "socket", [upper | Self.AF_INET, 3, 0], .allow)
        r += rows([i386], "socket", [Self.AF_PACKET, 3, 0], .allow)
        check(p, r, "262 deny-list")
    }

    @Test("AF_UNIX AF_INET AF_INET6: allowed iff the argument equals a member exactly", arguments: SystemdVersion.allCases)
    func allowList(version: SystemdVersion) throws {
        let p = try DirectiveUnit("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", version: version).policy()
        var r: [Probe] = []
        for af in [Self.AF_UNIX, Self.AF_INET, Self.AF_INET6] { r += rows([x64, x32, i386], "socket", [af, 1, 0], .allow) }
        for af: UInt64 in [0, 3, 9, 11, Self.AF_NETLINK, Self.AF_PACKET, 45, 46, 47, 1000, .max, UInt64(bitPattern: -2)] {
            r += rows([x64, x32], "socket", [af, 1, 0], EAFNOSUPPORT)
            r += rows([i386], "socket", [af, 1, 0], .allow)
        }
        r += rows([x64], "socket", [upper | Self.AF_INET, 1, 0], EAFNOSUPPORT)  // GT matches: stricter than the kernel
        r += rows([x32], "socket", [upper | Self.AF_INET, 1, 0], .allow)
        check(p, r, "\(version) allow-list")
    }

    @Test("none, and an emptied allow-list: socket() refused whatever the family (not on i386)")
    func none() throws {
        for fragment in ["RestrictAddressFamilies=none", "RestrictAddressFamilies=AF_UNIX\nRestrictAddressFamilies=~AF_UNIX"] {
            let p = try DirectiveUnit(fragment).policy()
            var r: [Probe] = []
            for af: UInt64 in [0, 1, 2, 10, upper | 1, .max] {
                r += rows([x64, x32], "socket", [af, 1, 0], EAFNOSUPPORT)
                r += rows([i386], "socket", [af, 1, 0], .allow)
            }
            check(p, r, fragment)
        }
        // `none` then `~AF_UNIX` is a deny-list of AF_UNIX: the `none` is forgotten.
        let p = try DirectiveUnit("RestrictAddressFamilies=none\nRestrictAddressFamilies=~AF_UNIX").policy()
        check(p, rows([x64, x32], "socket", [1, 1, 0], EAFNOSUPPORT) + rows([x64, x32], "socket", [2, 1, 0], .allow), "none ~AF_UNIX")
        // An empty deny-list installs nothing.
        #expect(try DirectiveUnit("RestrictAddressFamilies=~").layers.isEmpty)
        #expect(try DirectiveUnit("RestrictAddressFamilies=none\nRestrictAddressFamilies=").layers.isEmpty)
    }
}

@Suite("MemoryDenyWriteExecute= decisions")
struct MemoryDenyWriteExecuteDecisionTests {
    static let PROT_READ: UInt64 = 1, PROT_WRITE: UInt64 = 2, PROT_EXEC: UInt64 = 4, SHM_EXEC: UInt64 = 0x8000

    static func probes252() -> [Probe] {
        var r: [Probe] = []
        let wx = PROT_WRITE | PROT_EXEC
        r += rows([x64, x32], "mmap", [0, 4096, wx, 0x22, fd, 0], EPERM)
        r += rows([x64, x32], "mmap", [0, 4096, wx | PROT_READ, 0x22, fd, 0], EPERM)
        r += rows([x64, x32], "mmap", [0, 4096, PROT_READ | PROT_WRITE, 0x22, fd, 0], .allow)
        r += rows([x64, x32], "mmap", [0, 4096, PROT_READ | PROT_EXEC, 0x22, fd, 0], .allow)
        r += rows([x64, x32], "mmap", [0, 4096, upper | wx, 0x22, fd, 0], EPERM)  // the mask's high word is 0
        r += rows([x64, x32], "mmap", [0, 4096, upper | PROT_WRITE, 0x22, fd, 0], .allow)
        r += rows([x64, x32], "mmap", [0, 4096, .max, 0x22, fd, 0], EPERM)
        r += rows([i386], "mmap2", [0, 4096, wx, 0x22, fd, 0], EPERM)
        r += rows([i386], "mmap2", [0, 4096, PROT_READ | PROT_WRITE, 0x22, fd, 0], .allow)
        r += rows([i386], "mmap", [0], EPERM)  // the old struct-pointer mmap: blocked outright
        r += rows(allABIs, "mprotect", [4096, 4096, PROT_EXEC], EPERM)
        r += rows(allABIs, "mprotect", [4096, 4096, PROT_READ | PROT_EXEC], EPERM)  // even if already executable
        r += rows(allABIs, "mprotect", [4096, 4096, PROT_READ | PROT_WRITE], .allow)
        r += rows(allABIs, "mprotect", [4096, 4096, 0], .allow)
        r += rows(allABIs, "mprotect", [4096, 4096, upper], .allow)
        r += rows(allABIs, "mprotect", [4096, 4096, upper | PROT_EXEC], EPERM)
        r += rows(allABIs, "pkey_mprotect", [4096, 4096, PROT_EXEC, 0], EPERM)
        r += rows(allABIs, "pkey_mprotect", [4096, 4096, PROT_READ, 0], .allow)
        r += rows([x64, x32], "shmat", [1, 0, SHM_EXEC], EPERM)
        r += rows([x64, x32], "shmat", [1, 0, 0x1000], .allow)  // SHM_RDONLY
        r += rows([i386], "shmat", [1, 0, SHM_EXEC], .allow)  // no shmat() check on i386
        r += rows([i386], "ipc", [21, 1, SHM_EXEC, 0], .allow)
        r += rows(allABIs, "memfd_create", [0, 0], .allow)
        return r
    }

    @Test("252: the seccomp filter, per ABI")
    func filter252() throws {
        check(try DirectiveUnit("MemoryDenyWriteExecute=yes").policy(), Self.probes252(), "252")
    }

    @Test("262: PR_SET_MDWE instead of a filter when the kernel has it; the same filter otherwise")
    func prctl262() throws {
        let u = try DirectiveUnit("MemoryDenyWriteExecute=yes", version: .v262)
        #expect(u.layers.isEmpty)
        check(try u.policy(), rows([x64], "mmap", [0, 4096, 6, 0x22, fd, 0], .allow), "262 with PR_SET_MDWE")
        let old = try DirectiveUnit("MemoryDenyWriteExecute=yes", version: .v262) { $0.kernelHasMDWE = false }
        check(try old.policy(), Self.probes252(), "262 without PR_SET_MDWE")
    }
}

@Suite("LockPersonality= decisions")
struct LockPersonalityDecisionTests {
    @Test("personality() only with the locked value: 64-bit inequality on x86-64")
    func locked() throws {
        let p = try DirectiveUnit("LockPersonality=yes").policy()
        var r: [Probe] = []
        r += rows(allABIs, "personality", [0], .allow)
        r += rows(allABIs, "personality", [8], EPERM)
        r += rows(allABIs, "personality", [0xFFFF_FFFF], EPERM)  // the query form
        r += rows(allABIs, "personality", [0x0040000], EPERM)  // ADDR_NO_RANDOMIZE (setarch -R)
        r += rows([x64], "personality", [upper], EPERM)
        r += rows([x32, i386], "personality", [upper], .allow)
        r += rows(allABIs, "personality", [.max], EPERM)
        check(p, r, "P = 0")
    }

    @Test("Personality=x86 locks PER_LINUX32; the manager's personality when unset")
    func personalityValue() throws {
        let p = try DirectiveUnit("Personality=x86\nLockPersonality=yes").policy()
        check(p, rows(allABIs, "personality", [8], .allow) + rows(allABIs, "personality", [0], EPERM), "Personality=x86")
        let m = try DirectiveUnit("LockPersonality=yes") { $0.managerPersonality = 0x0040008 }
        #expect(m.directives.lockedPersonality == 8)
        check(try m.policy(), rows(allABIs, "personality", [8], .allow) + rows(allABIs, "personality", [0x0040008], EPERM),
            "manager PER_LINUX32|ADDR_NO_RANDOMIZE")
    }

    @Test("installed after SystemCallArchitectures=: only the ABIs it allows get the filter")
    func afterArchitectures() throws {
        let native = try DirectiveUnit("SystemCallArchitectures=native\nLockPersonality=yes")
        let layer = try #require(native.layers.first { $0.setting == "LockPersonality" })
        #expect(layer.policy.architectures == [x64])
        #expect(layer.afterArchitectureFilter)
        check(try native.policy(), rows([x64], "personality", [8], EPERM) + rows([x32, i386], "personality", [0], .killThread),
            "native")
        let x86 = try DirectiveUnit("SystemCallArchitectures=x86\nLockPersonality=yes")
        #expect(x86.layers.first { $0.setting == "LockPersonality" }?.policy.architectures == [i386, x64])
        check(try x86.policy(), rows([x64, i386], "personality", [8], EPERM) + rows([x32], "personality", [0], .killThread),
            "x86 allowed")
    }
}

@Suite("RestrictRealtime= decisions")
struct RestrictRealtimeDecisionTests {
    @Test("sched_setscheduler(): allowed iff the policy is exactly 0, 3 or 5", arguments: SystemdVersion.allCases)
    func policies(version: SystemdVersion) throws {
        let p = try DirectiveUnit("RestrictRealtime=yes", version: version).policy()
        var r: [Probe] = []
        for policy: UInt64 in [0, 3, 5] { r += rows(allABIs, "sched_setscheduler", [0, policy, 0], .allow) }
        for policy: UInt64 in [1, 2, 4, 6, 7, 0x4000_0000, 0x4000_0000 | 3, 0x4000_0001, .max, UInt64(bitPattern: -2)] {
            r += rows(allABIs, "sched_setscheduler", [0, policy, 0], EPERM)
        }
        r += rows([x64], "sched_setscheduler", [0, upper, 0], EPERM)  // GT 5 on 64 bits: stricter than the kernel
        r += rows([x64], "sched_setscheduler", [0, upper | 3, 0], EPERM)
        r += rows([x64], "sched_setscheduler", [0, upper | 1, 0], EPERM)
        r += rows([x32, i386], "sched_setscheduler", [0, upper, 0], .allow)
        r += rows([x32, i386], "sched_setscheduler", [0, upper | 3, 0], .allow)
        r += rows([x32, i386], "sched_setscheduler", [0, upper | 1, 0], EPERM)
        r += rows(allABIs, "sched_setparam", [0, 0], .allow)
        // 262 refuses sched_setattr() outright; 252 does not filter it.
        r += rows(allABIs, "sched_setattr", [0, 0, 0], version == .v252 ? .allow : EPERM)
        check(p, r, "\(version)")
    }
}

@Suite("RestrictSUIDSGID= decisions")
struct RestrictSUIDSGIDDecisionTests {
    static let O_CREAT: UInt64 = 0x40, O_WRONLY: UInt64 = 1, O_RDWR: UInt64 = 2, O_TMPFILE: UInt64 = 0x41_0000

    @Test("set-user/group-ID bits refused on creation and chmod; O_TMPFILE passes; openat2 ENOSYS",
        arguments: SystemdVersion.allCases)
    func modes(version: SystemdVersion) throws {
        let p = try DirectiveUnit("RestrictSUIDSGID=yes", version: version).policy()
        var r: [Probe] = []
        for mode: UInt64 in [0o4755, 0o2755, 0o4000, 0o2000, 0o6777, upper | 0o4000, .max] {
            r += rows(allABIs, "chmod", [0, mode], EPERM)
            r += rows(allABIs, "fchmod", [fd, mode], EPERM)
            r += rows(allABIs, "mkdir", [0, mode], EPERM)
            r += rows(allABIs, "creat", [0, mode], EPERM)
            r += rows(allABIs, "mknod", [0, 0o100000 | mode, 0], EPERM)
            r += rows(allABIs, "fchmodat", [atFDCWD, 0, mode], EPERM)
            r += rows(allABIs, "fchmodat2", [atFDCWD, 0, mode, 0], EPERM)  // the 252.23 backport
            r += rows(allABIs, "mkdirat", [atFDCWD, 0, mode], EPERM)
            r += rows(allABIs, "mknodat", [atFDCWD, 0, mode, 0], EPERM)
            r += rows(allABIs, "open", [0, Self.O_CREAT | Self.O_WRONLY, mode], EPERM)
            r += rows(allABIs, "openat", [atFDCWD, 0, Self.O_CREAT | Self.O_WRONLY, mode], EPERM)
        }
        for mode: UInt64 in [0, 0o755, 0o1777, upper | 0o755] {
            r += rows(allABIs, "chmod", [0, mode], .allow)
            r += rows(allABIs, "fchmodat", [atFDCWD, 0, mode], .allow)
            r += rows(allABIs, "openat", [atFDCWD, 0, Self.O_CREAT, mode], .allow)
        }
        r += rows(allABIs, "openat", [atFDCWD, 0, Self.O_TMPFILE | Self.O_RDWR, 0o4755], .allow)  // the O_TMPFILE gap
        r += rows(allABIs, "openat", [atFDCWD, 0, 0, 0o4755], .allow)
        r += rows(allABIs, "open", [0, Self.O_TMPFILE | Self.O_RDWR, 0o4755], .allow)
        r += rows([x64, x32], "openat", [atFDCWD, 0, upper | Self.O_CREAT, upper | 0o2755], EPERM)
        r += rows(allABIs, "openat2", [atFDCWD, 0, 0, 24], ENOSYS)
        r += rows(allABIs, "chown", [0, 0, 0], .allow)
        check(p, r, "\(version)")
    }
}

@Suite("fixed-list directives: ProtectHostname=, ProtectClock=, ProtectKernel*=, PrivateDevices=")
struct FixedListDecisionTests {
    @Test("ProtectHostname=yes: sethostname/setdomainname EPERM on every ABI; 262's private installs nothing")
    func hostname() throws {
        for version in SystemdVersion.allCases {
            let p = try DirectiveUnit("ProtectHostname=yes", version: version).policy()
            check(p, rows(allABIs, "sethostname", [0, 0], EPERM) + rows(allABIs, "setdomainname", [0, 0], EPERM)
                + rows(allABIs, "uname", [0], .allow), "\(version) yes")
        }
        let priv = try DirectiveUnit("ProtectHostname=private:myhost", version: .v262)
        #expect(priv.layers.isEmpty)
        #expect(priv.directives.protectHostname == .private)
        #expect(priv.directives.protectHostnameName == "myhost")
        #expect(try DirectiveUnit("ProtectHostname=yes:myhost", version: .v262).layers.map(\.setting) == ["ProtectHostname"])
    }

    @Test("ProtectClock=: @clock EPERM; i386 stime is not covered")
    func clock() throws {
        let p = try DirectiveUnit("ProtectClock=yes").policy()
        var r: [Probe] = []
        for name in ["adjtimex", "clock_adjtime", "clock_settime", "settimeofday"] { r += rows(allABIs, name, [0, 0], EPERM) }
        r += rows([i386], "clock_settime64", [0, 0], EPERM)
        r += rows([i386], "clock_adjtime64", [0, 0], EPERM)
        r += rows([i386], "stime", [0], .allow)
        r += rows(allABIs, "clock_gettime", [0, 0], .allow)
        check(p, r, "ProtectClock")
    }

    @Test("ProtectKernelModules=, ProtectKernelLogs=, PrivateDevices=: their syscalls EPERM on every ABI")
    func modulesLogsDevices() throws {
        let p = try DirectiveUnit("ProtectKernelModules=yes\nProtectKernelLogs=yes\nPrivateDevices=yes").policy()
        var r: [Probe] = []
        for name in ["init_module", "finit_module", "delete_module", "syslog", "ioperm", "iopl"] {
            r += rows(allABIs, name, [0, 0, 0], EPERM)
        }
        r += rows(allABIs, "read", [0, 0, 0], .allow)
        check(p, r, "modules, logs, devices")
    }

    @Test("ProtectKernelTunables=: _sysctl EPERM on i386 and x86-64; x32 has no _sysctl and no filter")
    func tunables() throws {
        let u = try DirectiveUnit("ProtectKernelTunables=yes")
        #expect(u.layers.first?.policy.architectures == [i386, x64])
        let p = try u.policy()
        check(p, rows([x64, i386], "_sysctl", [0], EPERM), "_sysctl")
        #expect(p.action(abi: .x32, number: 0x4000_0000 + 156, arguments: [0]) == .allow)
    }
}

@Suite("the decisions the reference observed on systemd 252.39 and 262.1 (§4)")
struct ObservedDecisionTests {
    /// (unit line, ABI, call, arguments, 252.39, 262.1)
    static let observed: [(String, Architecture, String, [UInt64], Action, Action)] = [
        ("RestrictAddressFamilies=~AF_NETLINK AF_PACKET", x64, "socket", [17, 3, 0], EAFNOSUPPORT, EAFNOSUPPORT),
        ("RestrictAddressFamilies=~AF_NETLINK AF_PACKET", x64, "socket", [0x1_0000_0011, 3, 0], .allow, EAFNOSUPPORT),
        ("RestrictAddressFamilies=~AF_NETLINK AF_PACKET", i386, "socket", [17, 3, 0], .allow, .allow),
        ("RestrictAddressFamilies=~AF_NETLINK AF_PACKET", x32, "socket", [0x1_0000_0011, 3, 0], EAFNOSUPPORT, EAFNOSUPPORT),
        ("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", x64, "socket", [0x1_0000_0002, 1, 0], EAFNOSUPPORT, EAFNOSUPPORT),
        ("RestrictNamespaces=net", x64, "setns", [fd, 0], EPERM, EPERM),
        ("RestrictNamespaces=net", x64, "setns", [fd, upper], .allow, EPERM),
        ("RestrictNamespaces=net", x64, "setns", [fd, NS.net], .allow, .allow),
        ("RestrictNamespaces=time", x64, "setns", [fd, NS.time], EPERM, .allow),
        ("RestrictNamespaces=time", x64, "unshare", [NS.time], .allow, .allow),
        ("RestrictNamespaces=time", x64, "unshare", [NS.net], EPERM, EPERM),
        ("RestrictNamespaces=yes", x64, "clone3", [0, 88], ENOSYS, ENOSYS),
        ("RestrictNamespaces=net", x64, "clone3", [0, 88], ENOSYS, ENOSYS),
        ("RestrictRealtime=yes", x64, "sched_setscheduler", [0, 0x1_0000_0001, 0], EPERM, EPERM),
        ("RestrictRealtime=yes", x64, "sched_setscheduler", [0, 0x4000_0000, 0], EPERM, EPERM),
        ("RestrictRealtime=yes", x64, "sched_setattr", [0, 0, 0], .allow, EPERM),
        ("LockPersonality=yes", x64, "personality", [0xFFFF_FFFF], EPERM, EPERM),
        ("RestrictSUIDSGID=yes", x64, "openat", [atFDCWD, 0, 0x41_0002, 0o4755], .allow, .allow),
        ("RestrictSUIDSGID=yes", x64, "openat", [atFDCWD, 0, 0x41, 0o2755], EPERM, EPERM),
        ("RestrictSUIDSGID=yes", x64, "fchmodat2", [atFDCWD, 0, 0o4755, 0], EPERM, EPERM),
        ("RestrictSUIDSGID=yes", i386, "fchmodat2", [atFDCWD, 0, 0o4755, 0], EPERM, EPERM),
        ("RestrictSUIDSGID=yes", x64, "openat2", [atFDCWD, 0, 0, 24], ENOSYS, ENOSYS),
    ]

    @Test("every row of the table", arguments: 0..<observed.count)
    func row(_ i: Int) throws {
        let (line, abi, name, arguments, v252, v262) = Self.observed[i]
        check(try DirectiveUnit(line).policy(), [Probe(abi: abi, name: name, arguments: arguments, expected: v252)], "252 \(line)")
        check(try DirectiveUnit(line, version: .v262).policy(), [Probe(abi: abi, name: name, arguments: arguments, expected: v262)],
            "262 \(line)")
    }

    @Test("which ABIs get a filter (§4's filter counts: x86 / x32 / x86-64)")
    func filterCounts() throws {
        let expected: [(String, [Architecture])] = [
            ("RestrictNamespaces=yes", [i386, x32, x64]), ("RestrictNamespaces=net", [i386, x32, x64]),
            ("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", [x32, x64]), ("RestrictAddressFamilies=none", [x32, x64]),
            ("RestrictAddressFamilies=~AF_NETLINK AF_PACKET", [x32, x64]), ("MemoryDenyWriteExecute=yes", [i386, x32, x64]),
            ("RestrictRealtime=yes", [i386, x32, x64]), ("RestrictSUIDSGID=yes", [i386, x32, x64]),
            ("LockPersonality=yes", [i386, x32, x64]), ("ProtectHostname=yes", [i386, x32, x64]),
            ("ProtectKernelTunables=yes", [i386, x64]), ("ProtectKernelLogs=yes", [i386, x32, x64]),
            ("ProtectKernelModules=yes", [i386, x32, x64]), ("ProtectClock=yes", [i386, x32, x64]),
            ("PrivateDevices=yes", [i386, x32, x64]),
        ]
        for (line, abis) in expected {
            let layers = try DirectiveUnit(line).layers
            #expect(layers.count == 1 && layers.first?.policy.architectures == abis, "\(line)")
        }
        #expect(try DirectiveUnit("RestrictNamespaces=cgroup ipc net mnt pid user uts").layers.isEmpty)
        #expect(try DirectiveUnit("RestrictNamespaces=cgroup ipc net mnt pid user uts", version: .v262).layers.count == 1)
    }
}

// MARK: - Layers and the whole stack

@Suite("the filters systemd installs for the directives, and the whole stack")
struct DirectiveLayerTests {
    static let everything = """
        ProtectHostname=yes
        RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
        MemoryDenyWriteExecute=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        RestrictNamespaces=yes
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectKernelLogs=yes
        ProtectClock=yes
        PrivateDevices=yes
        LockPersonality=yes
        NoNewPrivileges=yes
        """

    @Test("installation order and the ABIs of each filter on an x86-64 host (reference §1.7)")
    func orderAndABIs() throws {
        let u = try DirectiveUnit(Self.everything)
        #expect(u.diagnostics.isEmpty)
        let expected: [(String, [Architecture])] = [
            ("ProtectHostname", allABIs.reversed()), ("RestrictAddressFamilies", [x32, x64]),
            ("MemoryDenyWriteExecute", [i386, x32, x64]), ("RestrictRealtime", [i386, x32, x64]),
            ("RestrictSUIDSGID", [i386, x32, x64]), ("RestrictNamespaces", [i386, x32, x64]),
            ("ProtectKernelTunables", [i386, x64]), ("ProtectKernelModules", [i386, x32, x64]),
            ("ProtectKernelLogs", [i386, x32, x64]), ("ProtectClock", [i386, x32, x64]),
            ("PrivateDevices", [i386, x32, x64]), ("LockPersonality", [i386, x32, x64]),
        ]
        let layers = u.layers
        #expect(layers.map(\.setting) == expected.map(\.0))
        for (layer, (setting, abis)) in zip(layers, expected) {
            #expect(layer.policy.architectures == abis, "\(setting)")
            #expect(layer.policy.defaultAction == .allow && layer.policy.otherArchitectureAction == .allow, "\(setting)")
            #expect(layer.afterArchitectureFilter == (setting == "LockPersonality"))
        }
        #expect(u.directives.layers(settings: u.settings).count == 12)
        let built = try SystemdPolicyBuilder.build(u.settings, directives: u.directives)
        #expect(built.layers.map(\.setting) == expected.map(\.0))
    }

    @Test("with SystemCallFilter=: later errno wins a tie, KILL beats ERRNO, ERRNO beats ALLOW")
    func withFilter() throws {
        let tie = try DirectiveUnit("ProtectClock=yes\nSystemCallFilter=~@clock:EACCES").policy()
        check(tie, rows(allABIs, "clock_settime", [0, 0], .errno(13)), "tie")
        let kill = try DirectiveUnit("ProtectClock=yes\nRestrictNamespaces=yes\nSystemCallFilter=@basic-io").policy()
        check(kill, rows(allABIs, "clock_settime", [0, 0], .killProcess) + rows(allABIs, "unshare", [NS.net], .killProcess)
            + rows(allABIs, "read", [0, 0, 0], .allow), "kill")
        let allow = try DirectiveUnit("""
            RestrictAddressFamilies=AF_UNIX
            RestrictNamespaces=~net
            SystemCallFilter=@system-service
            SystemCallErrorNumber=EPERM
            """).policy()
        var r: [Probe] = []
        r += rows([x64, x32], "socket", [2, 1, 0], EAFNOSUPPORT)
        r += rows([x64, x32, i386], "socket", [1, 1, 0], .allow)
        r += rows([i386], "socket", [2, 1, 0], .allow)
        r += rows(allABIs, "unshare", [NS.net], EPERM)
        r += rows(allABIs, "unshare", [NS.mnt], .allow)
        r += rows([x64], "setns", [fd, upper], .allow)
        r += rows(allABIs, "clone3", [0, 88], ENOSYS)
        r += rows(allABIs, "reboot", [0, 0, 0, 0], EPERM)
        check(allow, r, "allow-list")
    }

    @Test("SystemCallArchitectures=native: blocked ABIs are KILL_THREAD, the directives stay on x86-64")
    func native() throws {
        let u = try DirectiveUnit(Self.everything + "\nSystemCallArchitectures=native\nSystemCallFilter=~@mount")
        let built = try SystemdPolicyBuilder.build(u.settings, directives: u.directives)
        let p = built.policy
        #expect(p.architectures == [x64])
        #expect(p.otherArchitectureAction == .killThread)
        #expect(built.layers.map(\.setting).suffix(3) == ["SystemCallArchitectures", "LockPersonality", "SystemCallFilter"])
        var r: [Probe] = []
        for name in ["read", "sethostname", "socket", "mmap", "personality", "mount"] {
            r += rows([x32, i386], name, [0, 0, 0], .killThread)
        }
        r += rows([x64], "sethostname", [0, 0], EPERM)
        r += rows([x64], "socket", [17, 1, 0], EAFNOSUPPORT)
        r += rows([x64], "mmap", [0, 4096, 6, 0x22, fd, 0], EPERM)
        r += rows([x64], "personality", [8], EPERM)
        r += rows([x64], "mount", [0, 0, 0, 0, 0], .killProcess)
        r += rows([x64], "read", [0, 0, 0], .allow)
        check(p, r, "native")
        #expect(p.action(auditArch: Architecture.x86_64.auditArch, number: 0x4000_0000, arguments: []) == .killThread)
    }

    @Test("an unchanged filter stack: build(_:directives:) without directives decides as build(_:)")
    func sameAsBuild() throws {
        let fragments = [
            "SystemCallFilter=@system-service\nSystemCallFilter=~uname:EBADF",
            "SystemCallFilter=~@mount:EPERM socketcall\nSystemCallErrorNumber=EACCES",
            "SystemCallArchitectures=native\nSystemCallFilter=~@mount",
            "SystemCallArchitectures=x86\nSystemCallLog=@privileged\nSystemCallFilter=@basic-io",
            "SystemCallLog=~read write\nSystemCallFilter=~mount",
            "SystemCallErrorNumber=EPERM",
            "",
        ]
        for version in SystemdVersion.allCases {
            for fragment in fragments {
                let u = try DirectiveUnit(fragment, version: version)
                let old = try SystemdPolicyBuilder.build(u.settings).policy
                let new = try SystemdPolicyBuilder.build(u.settings, directives: u.directives).policy
                #expect(new.architectures == old.architectures, "\(version) \(fragment)")
                #expect(new.otherArchitectureAction == old.otherArchitectureAction)
                #expect(new.defaultAction == old.defaultAction)
                for abi in allABIs {
                    for nr in 0...460 {
                        let number = nr + abi.syscallBase
                        #expect(new.action(abi: abi, number: number) == old.action(abi: abi, number: number),
                            "\(version) \(fragment) \(abi) \(number)")
                    }
                }
            }
        }
    }

    @Test("SystemCallLog= with '~' and an empty list installs no filter (reference §2.14)")
    func emptyInvertedLog() throws {
        let u = try DirectiveUnit("SystemCallLog=~read\nSystemCallLog=read")
        #expect(u.settings.logMode == .denyList && u.settings.log.isEmpty)
        let built = try SystemdPolicyBuilder.build(u.settings, directives: u.directives)
        #expect(built.layers.isEmpty)
        check(built.policy, rows(allABIs, "read", [0, 0, 0], .allow), "no log filter")
    }

    @Test("build errors of SystemCallFilter= still throw")
    func errors() throws {
        let u = try DirectiveUnit("ProtectClock=yes\nSystemCallErrorNumber=EPERM\nSystemCallFilter=@basic-io\nSystemCallFilter=~uname:EPERM")
        #expect(throws: PolicyBuildError.self) { try SystemdPolicyBuilder.build(u.settings, directives: u.directives) }
    }
}

// MARK: - Parsing

@Suite("directive parsing and diagnostics")
struct DirectiveParsingTests {
    @Test("booleans: systemd's words in any case; others warn and leave the value")
    func booleans() throws {
        for word in ["yes", "YES", "y", "true", "t", "on", "1", "On"] {
            #expect(try DirectiveUnit("ProtectClock=\(word)").directives.protectClock, "\(word)")
        }
        for word in ["no", "n", "false", "f", "off", "0", "NO"] {
            #expect(try !DirectiveUnit("ProtectClock=yes\nProtectClock=\(word)").directives.protectClock, "\(word)")
        }
        let bad = try DirectiveUnit("MemoryDenyWriteExecute=yes\nMemoryDenyWriteExecute=maybe\nLockPersonality=")
        #expect(bad.directives.memoryDenyWriteExecute)
        #expect(bad.diagnostics.map(\.message) == [
            "Failed to parse boolean value, ignoring: maybe", "Failed to parse boolean value, ignoring: ",
        ])
        #expect(bad.diagnostics.map(\.code) == ["invalid-boolean", "invalid-boolean"])
        #expect(bad.diagnostics.map(\.line) == [3, 4])
        #expect(bad.diagnostics.first?.column == 24)
        #expect(bad.diagnostics.allSatisfy { $0.isSystemdMessage })
        // 252's ProtectHostname= is a boolean: 'private' is 258+.
        let priv = try DirectiveUnit("ProtectHostname=private")
        #expect(priv.diagnostics.first?.code == "invalid-boolean")
        #expect(priv.diagnostics.first?.note?.contains("258") == true)
        #expect(priv.directives.protectHostname == .no)
    }

    @Test("other sections and other keys are ignored")
    func sections() throws {
        #expect(try DirectiveUnit("RestrictNamespaces=yes", section: "Unit").layers.isEmpty)
        #expect(try DirectiveUnit("ProtectClock=yes", section: "Socket").directives.protectClock)
        let other = try DirectiveUnit("ProtectSystem=strict\nPrivateTmp=maybe")
        #expect(other.diagnostics.isEmpty)
        #expect(other.layers.isEmpty)
    }

    @Test("RestrictAddressFamilies=: names in any case, quotes removed, unknown words skipped with systemd's warning")
    func addressFamilies() throws {
        let u = try DirectiveUnit("RestrictAddressFamilies=af_inet \"AF_INET6\" AF_BOGUS AF_LOCAL 2")
        #expect(u.directives.addressFamilies == [1, 2, 10])
        #expect(u.directives.addressFamiliesAllowList)
        #expect(u.diagnostics.map(\.message) == [
            "Failed to parse address family, ignoring: AF_BOGUS", "Failed to parse address family, ignoring: 2",
        ])
        #expect(u.diagnostics.map(\.code) == ["unknown-address-family", "unknown-address-family"])
        #expect(u.diagnostics.map(\.column) == [25 + 19, 25 + 37])
        #expect(u.diagnostics.last?.fix == "numbers are not accepted: write AF_INET")
        // `none` among other words is an unknown family.
        let n = try DirectiveUnit("RestrictAddressFamilies=none AF_UNIX")
        #expect(n.diagnostics.map(\.message) == ["Failed to parse address family, ignoring: none"])
        #expect(n.directives.addressFamilies == [1])
        // '~' inverts; plain words remove from a deny-list, '~' words from an allow-list.
        let d = try DirectiveUnit("RestrictAddressFamilies=~AF_PACKET AF_NETLINK AF_X25\nRestrictAddressFamilies=AF_X25")
        #expect(d.directives.addressFamilies == [16, 17])
        #expect(!d.directives.addressFamiliesAllowList)
        let a = try DirectiveUnit("RestrictAddressFamilies=AF_UNIX AF_INET\nRestrictAddressFamilies=~AF_INET")
        #expect(a.directives.addressFamilies == [1] && a.directives.addressFamiliesAllowList)
        // An empty value resets; `none` is an allow-list without a set.
        let r = try DirectiveUnit("RestrictAddressFamilies=AF_UNIX\nRestrictAddressFamilies=")
        #expect(r.directives.addressFamilies == nil && !r.directives.addressFamiliesAllowList)
        let none = try DirectiveUnit("RestrictAddressFamilies=AF_UNIX\nRestrictAddressFamilies=none")
        #expect(none.directives.addressFamilies == nil && none.directives.addressFamiliesAllowList)
        // 262 logs the whole value; the valid words still apply.
        let v262 = try DirectiveUnit("RestrictAddressFamilies=AF_BOGUS AF_UNIX", version: .v262)
        #expect(v262.directives.addressFamilies == [1])
        #expect(v262.diagnostics.first?.isSystemdMessage == false)
        let syntax = try DirectiveUnit("RestrictAddressFamilies=AF_UNIX \"AF_INET")
        #expect(syntax.diagnostics.map(\.code) == ["invalid-syntax"])
        #expect(syntax.directives.addressFamilies == [1])
    }

    @Test("RestrictNamespaces=: first assignment sets, later ones merge; one bad word drops the line")
    func namespaces() throws {
        let all252: UInt64 = 0x7E02_0000
        func retained(_ fragment: String, _ version: SystemdVersion = .v252) throws -> UInt64 {
            try DirectiveUnit(fragment, version: version).directives.namespacesRetained
        }
        #expect(try retained("RestrictNamespaces=~user net") == all252 & ~(NS.user | NS.net))
        #expect(try retained("RestrictNamespaces=~user net", .v262) == (all252 | NS.time) & ~(NS.user | NS.net))
        #expect(try retained("RestrictNamespaces=net ipc") == NS.net | NS.ipc)
        #expect(try retained("RestrictNamespaces=net\nRestrictNamespaces=ipc") == NS.net | NS.ipc)
        #expect(try retained("RestrictNamespaces=net ipc\nRestrictNamespaces=~net") == NS.ipc)
        #expect(try retained("RestrictNamespaces=yes\nRestrictNamespaces=net") == NS.net)
        #expect(try retained("RestrictNamespaces=no\nRestrictNamespaces=net") == all252)
        #expect(try retained("RestrictNamespaces=net\nRestrictNamespaces=yes") == 0)
        #expect(try retained("RestrictNamespaces=net\nRestrictNamespaces=") == ExecDirectives.namespacesUnset)
        #expect(try retained("RestrictNamespaces=~") == all252)
        #expect(try retained("RestrictNamespaces=net\nRestrictNamespaces=~") == NS.net)
        #expect(try retained("RestrictNamespaces=NO") == all252)
        let bad = try DirectiveUnit("RestrictNamespaces=ipc\nRestrictNamespaces=~net Mnt")
        #expect(bad.directives.namespacesRetained == NS.ipc)
        #expect(bad.diagnostics.map(\.message) == ["Failed to parse namespace type string, ignoring: net Mnt"])
        #expect(bad.diagnostics.first?.code == "unknown-namespace")
        #expect(bad.diagnostics.first?.column == 20 + 5)
        #expect(bad.diagnostics.first?.fix == "names are case-sensitive: write mnt")
        let quoted = try DirectiveUnit("RestrictNamespaces=\"net\"")
        #expect(quoted.diagnostics.count == 1)
        #expect(quoted.layers.isEmpty)
    }

    @Test("Personality=: the native and secondary architecture names; empty resets")
    func personality() throws {
        #expect(try DirectiveUnit("Personality=x86").directives.personality == 8)
        #expect(try DirectiveUnit("Personality=x86-64").directives.personality == 0)
        #expect(try DirectiveUnit("Personality=x86\nPersonality=").directives.personality == nil)
        let bad = try DirectiveUnit("Personality=arm64")
        #expect(bad.diagnostics.map(\.message) == ["Failed to parse personality, ignoring: arm64"])
        #expect(bad.diagnostics.first?.code == "unknown-personality")
        #expect(bad.directives.personality == nil)
    }

    @Test("ProtectHostname= in 262: yes, no, private, with an optional :HOSTNAME")
    func hostname262() throws {
        func unit(_ v: String) throws -> DirectiveUnit { try DirectiveUnit("ProtectHostname=\(v)", version: .v262) }
        #expect(try unit("yes").directives.protectHostname == .yes)
        #expect(try unit("private").directives.protectHostname == .private)
        #expect(try unit("yes:web1.example").directives.protectHostnameName == "web1.example")
        let no = try unit("no:foo")
        #expect(no.diagnostics.first?.code == "invalid-protect-hostname")
        #expect(no.directives.protectHostname == .no)
        let invalid = try unit("yes:bad_name!")
        #expect(invalid.diagnostics.first?.code == "invalid-hostname")
        #expect(invalid.directives.protectHostname == .no)
        #expect(try unit("maybe").diagnostics.first?.code == "invalid-protect-hostname")
    }

    @Test("origins point at the assignment that set a directive")
    func origins() throws {
        let u = try DirectiveUnit("ProtectClock=yes\nProtectClock=maybe")
        let o = try #require(u.directives.origins["ProtectClock"])
        #expect(o.line == 2 && o.column == 14 && o.text == "yes")
        let p = try u.policy()
        #expect(p.decisions(for: .x86_64)["clock_settime"]?.origin?.setting == "ProtectClock")
    }

    @Test("NO_NEW_PRIVS: explicit, or implied by any seccomp option without CAP_SYS_ADMIN")
    func noNewPrivileges() throws {
        let plain = try DirectiveUnit("ProtectClock=no")
        #expect(!plain.directives.setsNoNewPrivileges(settings: plain.settings, keepsCapSysAdmin: false))
        let nnp = try DirectiveUnit("NoNewPrivileges=yes")
        #expect(nnp.directives.setsNoNewPrivileges(settings: nnp.settings, keepsCapSysAdmin: true))
        for fragment in ["ProtectClock=yes", "RestrictNamespaces=net", "RestrictAddressFamilies=none",
            "SystemCallArchitectures=native", "SystemCallFilter=~mount", "SystemCallLog=read", "ProtectHostname=yes"]
        {
            let u = try DirectiveUnit(fragment)
            #expect(u.directives.setsNoNewPrivileges(settings: u.settings, keepsCapSysAdmin: false), "\(fragment)")
            #expect(!u.directives.setsNoNewPrivileges(settings: u.settings, keepsCapSysAdmin: true), "\(fragment)")
        }
        // No filter, no implied NO_NEW_PRIVS.
        for fragment in ["RestrictNamespaces=~time", "RestrictAddressFamilies=~"] {
            let u = try DirectiveUnit(fragment)
            #expect(!u.directives.setsNoNewPrivileges(settings: u.settings, keepsCapSysAdmin: false), "\(fragment)")
        }
    }
}
