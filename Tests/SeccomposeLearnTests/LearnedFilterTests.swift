// LearnedFilterTests.swift: the group cover, the directive findings and the merge, on evidence
// written by hand, each judged by the policy systemd would build from the result.

import Foundation
import SeccomposeLearn
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd
import Testing

struct LearnedFilterTests {
    static func evidence(_ names: [String], abi: Architecture = .x86_64, version: SystemdVersion = .v252) -> LearnEvidence {
        var e = LearnEvidence(systemd: version, native: .x86_64)
        e.runs = 1
        for n in names {
            guard let number = SyscallTable.number(of: n, on: abi) else {
                Issue.record("\(n) is no syscall on \(abi)")
                continue
            }
            e.syscalls.append(ObservedSyscall(abi: abi.name, number: number, name: n, count: 1, firstPid: 1,
                firstCommand: "t", firstExecutable: nil, argumentClasses: []))
        }
        return e
    }

    /// The policy systemd builds from the drop-in's SystemCallFilter= lines.
    static func policy(_ lines: [String], _ version: SystemdVersion = .v252, errno: String? = nil) throws -> Policy {
        var s = SystemCallSettings(context: try SystemdContext(version: version, native: .x86_64))
        if let errno { _ = s.applyErrorNumber(errno, source: ValueSource(file: nil, line: 1, valueColumn: 1)) }
        for (i, l) in lines.enumerated() {
            let d = s.applyFilter(l, source: ValueSource(file: nil, line: i + 2, valueColumn: 1))
            #expect(d.allSatisfy { $0.severity == .note }, "\(l): \(d)")
        }
        return try SystemdPolicyBuilder.build(s).policy
    }

    @Test func riskyCallsSortedUniqueKnown() {
        #expect(RiskyCalls.names == RiskyCalls.names.sorted())
        #expect(Set(RiskyCalls.names).count == RiskyCalls.names.count)
        for n in RiskyCalls.names { #expect(SyscallTable.isKnown(n), "\(n) is not a known syscall") }
    }

    static let typical = [
        "read", "write", "close", "openat", "newfstatat", "mmap", "mprotect", "munmap", "brk", "rt_sigaction",
        "rt_sigprocmask", "ioctl", "pread64", "access", "execve", "arch_prctl", "set_tid_address", "set_robust_list",
        "rseq", "prlimit64", "getrandom", "exit_group", "socket", "connect", "sendto", "recvfrom", "clone3", "wait4",
        "pipe2", "dup2", "fcntl", "getdents64", "lseek", "chown", "setuid", "capset", "uname",
    ]

    @Test(arguments: SystemdVersion.allCases)
    func coverAllowsWhatWasObservedAndDeniesRiskyCalls(_ version: SystemdVersion) throws {
        let e = Self.evidence(Self.typical, version: version)
        let context = try SystemdContext(version: version, native: .x86_64)
        let f = try LearnedFilter(evidence: e, context: context)
        let layered = try Self.policy(f.filterLines, version)
        let single = try Self.policy([f.expression], version)
        #expect(!f.expression.contains(" ~") && !f.expression.hasPrefix("~"))
        for (name, number) in SyscallTable.syscalls(on: .x86_64) {
            let allowed = layered.action(abi: .x86_64, number: number) == .allow
            #expect(allowed == (single.action(abi: .x86_64, number: number) == .allow), "\(name): forms disagree")
            if Self.typical.contains(name) { #expect(allowed, "\(name) observed but denied: \(f.filterLines)") }
            if RiskyCalls.names.contains(name) { #expect(!allowed, "\(name) never observed but allowed: \(f.filterLines)") }
        }
        let s = try #require(f.summaries.first)
        #expect(s.abi == "x86_64" && s.observed == Self.typical.count)
        #expect(s.allowedUnobservedExact <= s.allowedUnobserved)
        // chown, setuid and capset are in @privileged-related groups: the cover must keep them.
        #expect(f.dropIn().contains("[Service]\nSystemCallFilter=\nSystemCallFilter="))
    }

    /// A run that made only @default calls must not write an empty value (which resets the filter).
    @Test func onlyDefaultCallsGiveDefault() throws {
        let e = Self.evidence(["exit_group", "brk"])
        let f = try LearnedFilter(evidence: e, context: try SystemdContext(version: .v252, native: .x86_64))
        #expect(f.filterLines.first == "@default")
        #expect(f.expression == "@default")
    }

    @Test func errnoUnobserved() throws {
        let context = try SystemdContext(version: .v252, native: .x86_64)
        let f = try LearnedFilter(evidence: Self.evidence(Self.typical), context: context, errorNumber: "ENOSYS")
        #expect(f.dropIn().contains("\nSystemCallErrorNumber=ENOSYS\n"))
        let p = try Self.policy(f.filterLines, errno: "ENOSYS")
        #expect(p.action(abi: .x86_64, name: "reboot") == .errno(38))
        #expect(throws: LearnError.self) { try LearnedFilter(evidence: Self.evidence(["read"]), context: context, errorNumber: "ENOPE") }
    }

    static func observation(_ name: String, _ args: [UInt64], pointee: UInt64? = nil) throws -> ArgumentObservation {
        let number = try #require(SyscallTable.number(of: name, on: .x86_64))
        return ArgumentObservation(abi: "x86_64", number: number, name: name, arguments: args + Array(repeating: 0, count: 6 - args.count),
            pointee: pointee, count: 1, argumentClass: "test")
    }

    @Test func directivesFollowTheArguments() throws {
        let context = try SystemdContext(version: .v252, native: .x86_64)
        var e = Self.evidence(Self.typical + ["unshare", "mmap"])
        e.argumentCalls = [
            try Self.observation("socket", [10, 1, 0]),  // AF_INET6
            try Self.observation("socket", [1, 1, 0]),  // AF_UNIX
            try Self.observation("unshare", [0x4000_0000]),  // CLONE_NEWNET
            try Self.observation("clone3", [0], pointee: 0x0001_1200),  // no namespace flag: the clone fallback passes
            try Self.observation("mmap", [0, 4096, 7]),  // PROT_READ|PROT_WRITE|PROT_EXEC
        ]
        let f = try LearnedFilter(evidence: e, context: context)
        let found = Dictionary(uniqueKeysWithValues: f.directives.map { ($0.directive, $0) })
        #expect(found["RestrictAddressFamilies"]?.value == "AF_UNIX AF_INET6")
        #expect(found["RestrictNamespaces"]?.value == "net")
        #expect(found["MemoryDenyWriteExecute"]?.value == nil)
        #expect(found["MemoryDenyWriteExecute"]?.blockedBy?.hasPrefix("mmap") == true)
        #expect(found["LockPersonality"]?.value == "yes")
        let text = f.dropIn()
        #expect(text.contains("\nRestrictNamespaces=net\n") && !text.contains("\nMemoryDenyWriteExecute="))
        #expect(text.contains("# MemoryDenyWriteExecute= not set: mmap"))

        // A clone3 whose flags create a namespace rules RestrictNamespaces=yes out... unless the
        // namespace is in the value: the fallback clone then passes.
        var e2 = Self.evidence(Self.typical)
        e2.argumentCalls = [try Self.observation("clone3", [0], pointee: 0x2000_0000)]  // CLONE_NEWPID
        let f2 = try LearnedFilter(evidence: e2, context: context)
        #expect(f2.directives.first { $0.directive == "RestrictNamespaces" }?.value == "pid")
        // Unreadable clone3 flags prove nothing.
        e2.argumentCalls = [try Self.observation("clone3", [0])]
        let f3 = try LearnedFilter(evidence: e2, context: context)
        #expect(f3.directives.first { $0.directive == "RestrictNamespaces" }?.value == nil)
    }

    @Test func merge() throws {
        var a = Self.evidence(["read", "write"])
        var b = Self.evidence(["write", "sync"])
        b.complete = false
        b.problems = ["lost"]
        a.commands = [["a"]]
        b.commands = [["b"]]
        try a.merge(b)
        #expect(a.runs == 2 && !a.complete && a.problems == ["lost"] && a.commands == [["a"], ["b"]])
        #expect(a.syscalls.map(\.name) == ["read", "write", "sync"])
        #expect(a.syscalls.first { $0.name == "write" }?.count == 2)
        let c = Self.evidence(["read"], version: .v262)
        #expect(throws: LearnError.self) { try a.merge(c) }
        // Round trip through the JSON document.
        let data = try JSONEncoder().encode(a)
        let back = try JSONDecoder().decode(LearnEvidence.self, from: data)
        #expect(back.syscalls == a.syscalls && back.schema == LearnEvidence.schemaName)
    }

    /// Lost records never make a complete-looking result: the drop-in says so, reason by reason.
    @Test func incompleteEvidenceIsSaid() throws {
        var e = Self.evidence(Self.typical)
        e.complete = false
        e.lostRecords = 2
        e.problems = ["2 audit records were lost: the audit socket's receive buffer overran 2 time(s) (ENOBUFS)"]
        let f = try LearnedFilter(evidence: e, context: try SystemdContext(version: .v252, native: .x86_64))
        let text = f.dropIn()
        #expect(text.contains("# WARNING: the evidence is incomplete, so the filter may deny calls the program makes\n"))
        #expect(text.contains("# WARNING: 2 audit records were lost"))
        #expect(!text.contains("Evidence complete"))
    }
}
