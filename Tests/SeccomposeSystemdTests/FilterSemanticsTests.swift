// Every row of reference §1.3 (how lines merge) and §1.5 (accepted actions), plus §1.8-§1.10.

import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import Testing

@testable import SeccomposeSystemd

@Suite("SystemCallFilter= merge semantics (reference §1.3)")
struct MergeSemanticsTests {
    @Test("first non-empty line fixes the mode")
    func firstLineFixesMode() throws {
        #expect(try Scenario(filter: ["read"]).settings().0.filterMode == .allowList)
        #expect(try Scenario(filter: ["~read"]).settings().0.filterMode == .denyList)
        #expect(try Scenario(filter: ["~read", "write"]).settings().0.filterMode == .denyList)
        #expect(try Scenario(filter: ["read", "~write"]).settings().0.filterMode == .allowList)
    }

    @Test("allow-list + plain name: added as allowed")
    func allowPlain() throws {
        let p = try Scenario(filter: ["uname"]).policy()
        #expect(x86(p, "uname") == .allow)
        #expect(x86(p, "mount") == .killProcess)
        #expect(p.defaultAction == .killProcess)
    }

    @Test("allow-list + plain name:ERR: rejected with systemd's warning, word skipped")
    func allowPlainWithErrno() throws {
        let (s, d) = try Scenario(filter: ["uname:EPERM read"]).settings()
        #expect(d.map(\.message) == ["Allow-listed system calls cannot take error number, ignoring: uname:EPERM"])
        #expect(d.first?.code == "errno-on-allow")
        #expect(s.filter["uname"] == nil)
        #expect(s.filter["read"] != nil)
    }

    @Test("allow-list + ~name: removed, so it gets the default action")
    func allowTildeRemoves() throws {
        let p = try Scenario(filter: ["uname read", "~uname"]).policy()
        #expect(x86(p, "uname") == .killProcess)
        #expect(x86(p, "read") == .allow)
    }

    @Test("allow-list + ~name:ERR / ~name:kill: explicit deny with that action (v248+)")
    func allowTildeWithAction() throws {
        let p = try Scenario(filter: ["@system-service", "~uname:EBADF"], errorNumber: "EPERM").policy()
        #expect(x86(p, "uname") == .errno(9))
        #expect(x86(p, "reboot") == .errno(1))
        let k = try Scenario(filter: ["@system-service", "~uname:kill"], errorNumber: "EPERM").policy()
        #expect(x86(k, "uname") == .killProcess)
    }

    @Test("deny-list + ~name: denied with SystemCallErrorNumber=")
    func denyTilde() throws {
        let p = try Scenario(filter: ["~mount"], errorNumber: "EACCES").policy()
        #expect(x86(p, "mount") == .errno(13))
        #expect(x86(p, "read") == .allow)
        #expect(p.defaultAction == .allow)
    }

    @Test("deny-list + ~name:ERR / ~name:kill: that action")
    func denyTildeWithAction() throws {
        let p = try Scenario(filter: ["~mount:EPERM umount2:kill"], errorNumber: "EACCES").policy()
        #expect(x86(p, "mount") == .errno(1))
        #expect(x86(p, "umount2") == .killProcess)
    }

    @Test("deny-list + plain name: removed from the deny map (re-allowed)")
    func denyPlainRemoves() throws {
        let p = try Scenario(filter: ["~@mount", "mount"]).policy()
        #expect(x86(p, "mount") == .allow)
        #expect(x86(p, "umount2") == .killProcess)
    }

    @Test("deny-list + plain name:ERR: rejected with the same warning")
    func denyPlainWithErrno() throws {
        let (s, d) = try Scenario(filter: ["~mount", "umount2:EPERM"]).settings()
        #expect(d.map(\.message) == ["Allow-listed system calls cannot take error number, ignoring: umount2:EPERM"])
        #expect(s.filter["umount2"] == nil)
    }

    @Test("'~' alone makes an empty deny-list; a later plain line only removes")
    func tildeAlone() throws {
        let (s, _) = try Scenario(filter: ["~", "read"]).settings()
        #expect(s.filterMode == .denyList)
        #expect(s.filter.isEmpty)
        #expect(try Scenario(filter: ["~", "read"]).policy().defaultAction == .allow)
    }

    @Test("an empty value resets mode and map; the next line decides again")
    func emptyResets() throws {
        let (s, _) = try Scenario(filter: ["read", "", "~mount"]).settings()
        #expect(s.filterMode == .denyList)
        #expect(s.filter.keys.sorted() == ["mount"])
    }

    @Test("last write wins per syscall: ~@privileged:EPERM @reboot gives reboot the negative action")
    func lastWriteWins() throws {
        let p = try Scenario(filter: ["~@privileged:EPERM @reboot"]).policy()
        #expect(x86(p, "chown") == .errno(1))
        #expect(x86(p, "reboot") == .killProcess)
        #expect(x86(p, "kexec_load") == .killProcess)
    }

    @Test("@default is pre-seeded into allow-lists but not protected")
    func defaultSeeded() throws {
        let p = try Scenario(filter: ["read"]).policy()
        #expect(x86(p, "execve") == .allow)
        #expect(x86(p, "exit_group") == .allow)
        let removed = try Scenario(filter: ["read", "~execve"]).policy()
        #expect(x86(removed, "execve") == .killProcess)
        let deny = try Scenario(filter: ["~read"]).policy()
        #expect(deny.syscalls["execve"] == nil)
    }

    @Test("@system-service then ~@privileged removes chown, setuid and capset too (overlap)")
    func overlapRemoval() throws {
        let p = try Scenario(filter: ["@system-service", "~@privileged @resources"]).policy()
        for name in ["chown", "setuid", "capset", "ioprio_set"] { #expect(x86(p, name) == .killProcess, "\(name)") }
        #expect(x86(p, "read") == .allow)
        #expect(x86(p, "capget") == .allow)
    }

    @Test("groups expand recursively: @privileged includes @chown, @clock, @module, @raw-io, @reboot, @swap")
    func nestedGroups() throws {
        let p = try Scenario(filter: ["~@privileged"]).policy()
        for name in ["fchownat", "settimeofday", "init_module", "iopl", "reboot", "swapon", "acct"] {
            #expect(x86(p, name) == .killProcess, "\(name)")
        }
    }

    @Test("'~' on a later word is not special: only the first word is denied")
    func tildeLaterWord() throws {
        let (s, d) = try Scenario(filter: ["~mount ~umount2"]).settings()
        #expect(s.filter.keys.sorted() == ["mount"])
        #expect(d.map(\.code).sorted() == ["tilde-not-first", "unknown-syscall"])
        #expect(d.allSatisfy { $0.column == 8 })
    }

    @Test("no quote removal, no inline comments, backslash makes the next character literal")
    func lexing() throws {
        let (s, d) = try Scenario(filter: [#"~"mount umount2" #x \reboot"#]).settings()
        #expect(s.filter.keys.sorted() == ["reboot"])
        #expect(Set(d.map(\.code)) == ["quote-in-value", "comment-in-value", "unknown-syscall"])
        #expect(d.filter { $0.code == "unknown-syscall" }.map(\.message) == [
            #"Failed to parse system call, ignoring: "mount"#, #"Failed to parse system call, ignoring: umount2""#,
            "Failed to parse system call, ignoring: #x",
        ])
    }

    @Test("a trailing backslash is invalid syntax; earlier words stay applied")
    func trailingBackslash() throws {
        let (s, d) = try Scenario(filter: [#"~mount umount2\"#]).settings()
        #expect(s.filter.keys.sorted() == ["mount"])
        #expect(d.map(\.message) == [#"Invalid syntax, ignoring: mount umount2\"#])
        #expect(d.first?.column == 8)
    }

    @Test("diagnostic columns count from the value start and include the '~'")
    func columns() throws {
        var s = SystemCallSettings(context: try SystemdContext(version: .v262, native: .x86_64))
        let d = s.applyFilter("~mount  nosuch @nogroup", source: ValueSource(file: "a.service", line: 7, valueColumn: 18))
        #expect(d.map { "\($0.file ?? ""):\($0.line):\($0.column) \($0.code)" } == [
            "a.service:7:26 unknown-syscall", "a.service:7:33 unknown-group",
        ])
        #expect(d[0].message == "System call nosuch is not known, ignoring.")
    }
}

@Suite("actions: per-entry suffix and SystemCallErrorNumber= (reference §1.5, §1.6)")
struct ActionSemanticsTests {
    @Test(
        "accepted per-entry actions",
        arguments: [
            ("kill", Action.killProcess), ("EPERM", .errno(1)), ("eperm", .errno(1)), ("EpErM", .errno(1)),
            ("0", .errno(0)), ("4095", .errno(4095)), ("0x10", .errno(16)), ("010", .errno(8)), ("+5", .errno(5)),
            ("0b11", .errno(3)), ("0o17", .errno(15)), ("ENOTSUP", .errno(95)), ("EWOULDBLOCK", .errno(11)),
            ("EDEADLOCK", .errno(35)),
        ])
    func acceptedSuffix(suffix: String, expected: Action) throws {
        let (_, d) = try Scenario(filter: ["~uname:\(suffix)"]).settings()
        #expect(d.isEmpty)
        #expect(x86(try Scenario(filter: ["~uname:\(suffix)"]).policy(), "uname") == expected)
    }

    @Test("rejected per-entry actions", arguments: ["Kill", "KILL", "4096", "-1", "", "EPERM:x", "ECANCELLED", "log", "1e3"])
    func rejectedSuffix(suffix: String) throws {
        let (s, d) = try Scenario(filter: ["~uname:\(suffix)"]).settings()
        #expect(d.map(\.message) == ["Failed to parse syscall:errno, ignoring: uname:\(suffix)"])
        #expect(d.first?.code == "invalid-entry")
        #expect(s.filter.isEmpty)
    }

    @Test("an empty name before ':' is rejected")
    func emptyName() throws {
        let (_, d) = try Scenario(filter: ["~:EPERM"]).settings()
        #expect(d.map(\.code) == ["invalid-entry"])
    }

    @Test(
        "SystemCallErrorNumber= values",
        arguments: [
            ("", EntryAction.kill, nil as String?), ("kill", .kill, nil), ("EPERM", .errno(1), nil),
            ("eperm", .errno(1), nil), ("0x1", .errno(1), nil), ("4095", .errno(4095), nil),
            ("0", .kill, "Invalid error number, ignoring: 0"),
            ("EPERM EACCES", .kill, "Failed to parse error number, ignoring: EPERM EACCES"),
            ("log", .kill, "Failed to parse error number, ignoring: log"),
            ("4096", .kill, "Failed to parse error number, ignoring: 4096"),
            ("Kill", .kill, "Failed to parse error number, ignoring: Kill"),
        ])
    func errorNumber(value: String, expected: EntryAction, message: String?) throws {
        var s = SystemCallSettings(context: try SystemdContext(version: .v252, native: .x86_64))
        let d = s.applyErrorNumber(value, source: ValueSource(file: nil, line: 1))
        #expect(s.errorNumber == expected)
        #expect(d.map(\.message) == (message.map { [$0] } ?? []))
    }

    @Test("SystemCallErrorNumber=: the last valid assignment wins")
    func errorNumberLastWins() throws {
        var s = SystemCallSettings(context: try SystemdContext(version: .v252, native: .x86_64))
        _ = s.applyErrorNumber("EPERM", source: ValueSource(file: nil, line: 1))
        _ = s.applyErrorNumber("0", source: ValueSource(file: nil, line: 2))
        #expect(s.errorNumber == .errno(1))
        _ = s.applyErrorNumber("EACCES", source: ValueSource(file: nil, line: 3))
        #expect(s.errorNumber == .errno(13))
    }

    @Test("deny-list: unsuffixed entries get N, suffixed ones their suffix; the rest is allowed")
    func denyListActions() throws {
        let p = try Scenario(filter: ["~mount umount2:0"], errorNumber: "EROFS").policy()
        #expect(x86(p, "mount") == .errno(30))
        #expect(x86(p, "umount2") == .errno(0))
        #expect(x86(p, "openat") == .allow)
    }

    @Test("a rule equal to the default action makes systemd fail (228/SECCOMP): no policy")
    func ruleEqualsDefault() throws {
        let s = try Scenario(filter: ["@system-service", "~uname:EPERM"], errorNumber: "EPERM").settings().0
        #expect(throws: PolicyBuildError.self) { try SystemdPolicyBuilder.build(s) }
        let k = try Scenario(filter: ["@system-service", "~uname:kill"]).settings().0
        #expect(throws: PolicyBuildError.self) { try SystemdPolicyBuilder.build(k) }
        let enosys = try Scenario(version: .v262, filter: ["@system-service", "~uname:ENOSYS"]).settings().0
        #expect(throws: PolicyBuildError.self) { try SystemdPolicyBuilder.build(enosys) }
        let fine = try Scenario(version: .v252, filter: ["@system-service", "~uname:ENOSYS"]).settings().0
        #expect(throws: Never.self) { try SystemdPolicyBuilder.build(fine) }
    }
}

@Suite("version-specific behaviour (reference §1.4, §1.8, §1.9, §3.2)")
struct VersionSemanticsTests {
    @Test("252 allow-lists: everything not listed gets N")
    func allowList252() throws {
        let p = try Scenario(version: .v252, filter: ["@basic-io"], errorNumber: "EPERM").policy()
        #expect(p.defaultAction == .errno(1))
        #expect(x86(p, "mount") == .errno(1))
    }

    @Test("262 allow-lists: ENOSYS for unknown calls, N for known ones")
    func allowList262() throws {
        let p = try Scenario(version: .v262, filter: ["@basic-io"], errorNumber: "EPERM").policy()
        #expect(p.defaultAction == .errno(38))
        #expect(x86(p, "mount") == .errno(1))
        #expect(p.action(abi: .x86_64, number: 599) == .errno(38))
        // socketcall is in @known but not an x86-64 call: the i386 filter returns ENOSYS for it.
        #expect(p.action(abi: .x86, name: "socketcall") == .errno(38))
        #expect(p.action(abi: .x86, name: "mount") == .errno(1))
    }

    @Test("262 with SystemCallErrorNumber=ENOSYS adds no @known rules")
    func enosysErrorNumber() throws {
        let p = try Scenario(version: .v262, filter: ["@basic-io"], errorNumber: "ENOSYS").policy()
        #expect(p.defaultAction == .errno(38))
        #expect(p.syscalls["mount"] == nil)
    }

    @Test("262 keeps write: forced into allow-lists, dropped from deny-lists")
    func writeForced() throws {
        let allow = try Scenario(version: .v262, filter: ["@default"]).policy()
        #expect(x86(allow, "write") == .allow)
        #expect(x86(try Scenario(version: .v252, filter: ["@default"]).policy(), "write") == .killProcess)
        let deny = try Scenario(version: .v262, filter: ["~write"]).settings().0
        let r = try SystemdPolicyBuilder.build(deny)
        #expect(x86(r.policy, "write") == .allow)
        #expect(r.diagnostics.map(\.code) == ["write-forced"])
    }

    @Test("252 resolves names with libseccomp 2.5.4: uretprobe and mseal are unknown there")
    func libseccomp254() throws {
        let (s, d) = try Scenario(version: .v252, filter: ["~uretprobe"]).settings()
        #expect(s.filter.isEmpty)
        #expect(d.map(\.message) == ["Failed to parse system call, ignoring: uretprobe"])
        #expect(d.first?.note?.contains("libseccomp 2.5.4") == true)
        // Inside @default it is skipped silently, so a 252 allow-list denies it.
        let p = try Scenario(version: .v252, filter: ["@default"]).policy()
        #expect(x86(p, "uretprobe") == .killProcess)
        let p262 = try Scenario(version: .v262, filter: ["@default"]).policy()
        #expect(x86(p262, "uretprobe") == .allow)
    }

    @Test("@sandbox is unknown in 252 and part of @default in 262")
    func sandbox() throws {
        let (_, d) = try Scenario(version: .v252, filter: ["~@sandbox"]).settings()
        #expect(d.map(\.message) == ["Unknown system call group, ignoring: @sandbox"])
        #expect(x86(try Scenario(version: .v262, filter: ["read"]).policy(), "landlock_create_ruleset") == .allow)
        #expect(x86(try Scenario(version: .v252, filter: ["read"]).policy(), "landlock_create_ruleset") == .killProcess)
    }

    @Test("names absent on x86-64 only act on the ABIs that have them")
    func perABINames() throws {
        let p = try Scenario(filter: ["~socketcall"]).policy()
        #expect(p.action(abi: .x86, name: "socketcall") == .killProcess)
        #expect(p.action(abi: .x86_64, name: "socketcall") == nil)
        #expect(p.action(abi: .x86_64, number: 102) == .allow)  // getuid on x86-64
    }
}

@Suite("SystemCallArchitectures= and SystemCallLog= (reference §1.7, §1.10)")
struct ArchitectureAndLogTests {
    @Test("native restricts to the host ABI; others are killed (thread)")
    func native() throws {
        let p = try Scenario(architectures: ["native"]).policy()
        #expect(p.architectures == [.x86_64])
        #expect(p.otherArchitectureAction == .killThread)
        #expect(p.action(abi: .x32, number: 0x4000_0000) == .killThread)
        #expect(p.action(abi: .x86, number: 3) == .killThread)
        #expect(p.action(abi: .x86_64, number: 0) == .allow)
    }

    @Test("lines form a union; names use systemd's spelling; quotes are removed; empty resets")
    func union() throws {
        let (s, d) = try Scenario(architectures: ["x86", "\"x32\" i386 amd64"]).settings()
        #expect(s.architectures == [.x86, .x32])
        #expect(d.map(\.message) == [
            "Failed to parse system call architecture \"i386\", ignoring: Invalid argument",
            "Failed to parse system call architecture \"amd64\", ignoring: Invalid argument",
        ])
        #expect(d[1].fix == "systemd spells it x86-64")
        let (r, _) = try Scenario(architectures: ["x86", ""]).settings()
        #expect(r.architectures.isEmpty)
        let p = try Scenario(architectures: ["x86"]).policy()
        #expect(p.architectures == [.x86, .x86_64])
    }

    @Test("SystemCallLog= allow mode logs only the listed calls; the filter's denials win")
    func logAllowMode() throws {
        let p = try Scenario(filter: ["~mount"], log: ["mount openat"]).policy()
        #expect(x86(p, "openat") == .log)
        #expect(x86(p, "mount") == .killProcess)
        #expect(x86(p, "read") == .allow)
    }

    @Test("SystemCallLog=~ logs everything except the listed calls; no @default, no suffixes")
    func logDenyMode() throws {
        let (s, d) = try Scenario(log: ["~read write:EPERM"]).settings()
        #expect(s.logMode == .denyList)
        #expect(s.log.keys.sorted() == ["read"])
        #expect(d.map(\.message) == ["Failed to parse system call, ignoring: write:EPERM"])
        #expect(d.first?.code == "action-in-log")
        let p = try Scenario(log: ["~read"]).policy()
        #expect(p.defaultAction == .log)
        #expect(x86(p, "read") == .allow)
    }
}
