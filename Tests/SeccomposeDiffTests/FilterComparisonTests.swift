// The exact diff on policies whose difference is known, on raw programs and on stacks.

import SeccomposeCompiler
import SeccomposeInput
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd
import Testing

@testable import SeccomposeDiff

/// The side a list of SystemCall*= / directive lines builds (systemd `version`, x86-64).
func unitSide(_ lines: [String], version: SystemdVersion = .v262, label: String = "unit") throws -> FilterStack {
    var r = FilterRequest(context: try SystemdContext(version: version, native: .x86_64))
    r.unitSettings = lines
    return try FilterStack(label: label, policy: try r.policy().policy)
}

/// Checks every change against the two sides: its example reproduces it.
func expectReproducible(_ diff: PolicyDiff, _ old: FilterStack, _ new: FilterStack) throws {
    for c in diff.changes {
        let abis = Architecture.allCases.filter { $0.name == c.abi }
        guard let abi = abis.first else { continue }
        let data = SeccompData(abi: abi, number: Int(c.firstNumber), args: c.example, instructionPointer: c.instructionPointer ?? 0)
        #expect(try old.action(data).description == c.old, "\(c)")
        #expect(try new.action(data).description == c.new, "\(c)")
    }
}

@Suite("exact filter diff")
struct FilterComparisonTests {
    @Test("a policy equals itself, and its compiled program read back raw")
    func identical() throws {
        let a = try unitSide(["SystemCallFilter=@system-service", "RestrictAddressFamilies=AF_UNIX AF_INET",
            "SystemCallArchitectures=native"])
        let d = try FilterComparison.compare(a, a)
        #expect(d.isIdentical, "\(d.changes.prefix(5))")
        #expect(d.summary.hasPrefix("identical:"))
        let raw = try #require(Program(rawBytes: a.programs[0].rawBytes))
        let r = try FilterComparison.compare(a, FilterStack(label: "raw", programs: [raw]))
        #expect(r.isIdentical)
    }

    @Test("one name more in a deny list: exactly that syscall on each judged ABI, tightened")
    func denyOneMore() throws {
        let old = try unitSide(["SystemCallFilter=~mount", "SystemCallArchitectures=x86-64 x86"])
        let new = try unitSide(["SystemCallFilter=~mount umount2", "SystemCallArchitectures=x86-64 x86"])
        let d = try FilterComparison.compare(old, new)
        #expect(d.changes.map(\.description) == ["x86_64 umount2: allow -> kill-process", "x86 umount2: allow -> kill-process"])
        #expect(d.changes.allSatisfy { $0.direction == .tightened })
        try expectReproducible(d, old, new)
        let back = try FilterComparison.compare(new, old)
        #expect(back.changes.map(\.description) == ["x86_64 umount2: kill-process -> allow", "x86 umount2: kill-process -> allow"])
        #expect(back.changes.allSatisfy { $0.direction == .loosened })
    }

    @Test("an errno change is 'changed'; an ABI dropped shows every number of it")
    func errnoAndABI() throws {
        let old = try unitSide(["SystemCallFilter=~mount:EPERM", "SystemCallArchitectures=native"])
        let new = try unitSide(["SystemCallFilter=~mount:EACCES", "SystemCallArchitectures=native"])
        let d = try FilterComparison.compare(old, new)
        #expect(d.changes.map(\.description) == ["x86_64 mount: errno(EPERM) -> errno(EACCES)"])
        #expect(d.changes.first?.direction == .changed)
        let wide = try unitSide(["SystemCallFilter=~mount:EPERM", "SystemCallArchitectures=native x86"])
        let w = try FilterComparison.compare(wide, old)
        // i386: every named call and every unnamed number goes from its decision to the other-ABI kill.
        let x86 = w.changes.filter { (c: PolicyDiff.Change) in c.abi == "x86" }
        let getpid = x86.contains { (c: PolicyDiff.Change) in c.syscall == "getpid" && c.old == "allow" && c.new == "kill-thread" }
        #expect(getpid, "\(x86.prefix(8).map(\.description))")
        let unnamedToTheEnd = x86.contains { (c: PolicyDiff.Change) in c.syscall == nil && c.lastNumber == UInt32.max }
        #expect(unnamedToTheEnd)
        #expect(w.changes.allSatisfy { $0.abi == "x86" })
        try expectReproducible(w, wide, old)
    }

    @Test("socket families: the argument class of the added family, loosened, on x86-64 and through i386 socketcall")
    func addressFamilies() throws {
        let old = try unitSide(["RestrictAddressFamilies=AF_UNIX AF_INET", "SystemCallArchitectures=native"])
        let new = try unitSide(["RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallArchitectures=native"])
        let d = try FilterComparison.compare(old, new)
        #expect(!d.changes.isEmpty)
        #expect(d.changes.allSatisfy { $0.direction == .loosened && $0.new == "allow" })
        #expect(d.changes.contains { $0.description == "x86_64 socket ((u32)a0 == 0xa): errno(EAFNOSUPPORT) -> allow" },
            "\(d.changes.map(\.description))")
        #expect(d.changes.allSatisfy { $0.syscall == "socket" || $0.syscall == "socketpair" }, "\(d.changes.map(\.description))")
        try expectReproducible(d, old, new)
    }

    @Test("masked comparisons: random argument values never show a difference the diff did not report")
    func maskedRules() throws {
        func policy(_ mask: UInt64, _ value: UInt64) -> Policy {
            var p = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .killProcess)
            p.syscalls["clone"] = SyscallDecision(action: .allow,
                rules: [Rule([ArgumentCondition(index: 0, .maskedEqual, value, mask: mask)], action: .errno(1))])
            p.syscalls["ioctl"] = SyscallDecision(action: .errno(22),
                rules: [Rule([ArgumentCondition(index: 1, .greaterOrEqual, 0x5400), ArgumentCondition(index: 1, .lessOrEqual, 0x54FF)],
                    action: .allow)])
            return p
        }
        let old = try FilterStack(label: "old", policy: policy(0x7E02_0000, 0x1000_0000))
        var newPolicy = policy(0x7E02_0000, 0x1000_0000)
        newPolicy.syscalls["clone"] = SyscallDecision(action: .allow,
            rules: [Rule([ArgumentCondition(index: 0, .maskedEqual, 0x1000_0000, mask: 0x1000_0000)], action: .errno(1))])
        newPolicy.syscalls["ioctl"]?.rules[0].conditions[1] = ArgumentCondition(index: 1, .lessOrEqual, 0x5412)
        let new = try FilterStack(label: "new", policy: newPolicy)
        let d = try FilterComparison.compare(old, new)
        try expectReproducible(d, old, new)
        #expect(d.changes.contains { $0.syscall == "clone" && $0.direction == .tightened })
        #expect(d.changes.contains { $0.syscall == "ioctl" && $0.direction == .tightened })
        let reported = Set(d.changes.map { "\($0.abi) \($0.syscall ?? "")" })
        #expect(reported == ["x86_64 clone", "x86_64 ioctl"], "\(d.changes.map(\.description))")
        var g = WordClassTests.Generator(state: 7)
        let cloneNr = try #require(SyscallTable.number(of: "clone", on: .x86_64))
        for _ in 0..<4000 {
            let a0 = UInt64.random(in: 0...UInt64.max, using: &g) & (Bool.random(using: &g) ? 0x7FFF_FFFF : .max)
            let data = SeccompData(abi: .x86_64, number: cloneNr, args: [a0])
            let differs = try old.action(data) != new.action(data)
            // Which reported class holds the value: the one whose example agrees on the masked bits.
            if differs {
                #expect(a0 & 0x7E02_0000 != 0x1000_0000 && a0 & 0x1000_0000 == 0x1000_0000 || a0 & 0xFFFF_FFFF_0000_0000 != 0)
            }
        }
    }

    @Test("a stack of two filters equals the one policy that denies both names; order and precedence as the kernel's")
    func stacks() throws {
        let mount = try unitSide(["SystemCallFilter=~mount", "SystemCallArchitectures=native"])
        let umount = try unitSide(["SystemCallFilter=~umount2:EPERM", "SystemCallArchitectures=native"])
        let both = try unitSide(["SystemCallFilter=~mount", "SystemCallFilter=~umount2:EPERM", "SystemCallArchitectures=native"])
        let stack = FilterStack(label: "stack", programs: mount.programs + umount.programs)
        let d = try FilterComparison.compare(stack, both)
        #expect(d.isIdentical, "\(d.changes.map(\.description))")
        // The kill of the first filter beats the second's errno for mount: precedence, not order.
        let e = try FilterComparison.compare(FilterStack(label: "stack", programs: umount.programs + mount.programs), both)
        #expect(e.isIdentical, "\(e.changes.map(\.description))")
    }
}

@Suite("diff across systemd versions")
struct VersionDiffTests {
    @Test("@system-service, 252 → 262: every syscall 262 adds appears, loosened to allow, on every ABI that has it")
    func systemService() throws {
        let old = try unitSide(["SystemCallFilter=@system-service"], version: .v252, label: "252")
        let new = try unitSide(["SystemCallFilter=@system-service"], version: .v262, label: "262")
        let d = try FilterComparison.compare(old, new)
        let v252 = Set(try #require(try SetCatalog.builtin(.v252).expand("@system-service")))
        let v262 = Set(try #require(try SetCatalog.builtin(.v262).expand("@system-service")))
        let added = v262.subtracting(v252)
        #expect(!added.isEmpty)
        var checked = 0
        for name in added.sorted() {
            for abi in [Architecture.x86_64, .x32, .x86] where SyscallTable.number(of: name, on: abi) != nil {
                let change = d.changes.first { $0.abi == abi.name && $0.syscall == name }
                #expect(change?.new == "allow" && change?.direction == .loosened, "\(abi.name) \(name): \(String(describing: change))")
                checked += 1
            }
        }
        #expect(checked > 0)
        // Nothing 252's @system-service allowed is denied by 262's.
        #expect(d.changes(.tightened).filter { $0.old == "allow" }.isEmpty, "\(d.changes(.tightened).prefix(5))")
    }
}

@Suite("filter summary (dump)")
struct FilterSummaryTests {
    @Test("every x86-64 syscall is counted once; socket depends on its arguments; unnamed numbers get the default")
    func summary() throws {
        let side = try unitSide(["SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM",
            "RestrictAddressFamilies=AF_UNIX", "SystemCallArchitectures=native"])
        let s = try #require(try FilterSummary.summarize(side, abis: [.x86_64]).first)
        #expect(s.abi == "x86_64")
        #expect(s.argumentDependent.contains("socket"), "\(s.argumentDependent)")
        #expect(s.decisions.values.reduce(0, +) + s.argumentDependent.count == SyscallTable.syscalls(on: .x86_64).count)
        #expect((s.decisions["allow"] ?? 0) > 300 && (s.decisions["errno(EPERM)"] ?? 0) > 0, "\(s.decisions)")
        // systemd 262 gives numbers it does not know ENOSYS (so libc falls back), not the errno.
        #expect(s.unnamedNumbers == ["errno(ENOSYS)"], "\(s.unnamedNumbers)")
        #expect(s.line.hasPrefix("x86_64: "))
    }
}
