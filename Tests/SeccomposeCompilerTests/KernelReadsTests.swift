// The compiler's kernel-reads pass on the cases a review found: ipc()'s IPC_64 handling of
// `cmd`, s390's semtimedop timeout register, constants an argument's type cannot hold, and
// arguments read narrower than declared on n32 and ppc64.

import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("kernel reads: multiplexer registers, IPC_64, unrepresentable constants")
struct KernelReadsTests {
    static func decide(_ p: Policy, _ abi: Architecture, _ name: String, _ args: [UInt64], mode: ArgumentWidthMode = .kernel)
        throws -> Action
    {
        // One program per byte order: the policy's ABIs of `abi`'s order.
        let p = sameByteOrder(p, as: abi)
        let program = try Compiler.compile(p, options: CompileOptions(argumentWidths: mode))
        let nr = try #require(SyscallTable.number(of: name, on: abi))
        let got = try Simulator.run(program.instructions, SeccompData(abi: abi, number: nr, args: args)).action
        // The program and the policy it implements agree.
        #expect(got == Compiler.effectivePolicy(p, options: CompileOptions(argumentWidths: mode)).action(abi: abi, number: nr, arguments: args))
        return got
    }

    @Test("ipc(SHMCTL/MSGCTL/SEMCTL): the kernel clears IPC_64 from cmd on this route, so the rule ignores that bit")
    func ipc64() throws {
        var p = Policy(.allow, architectures: [.x86_64, .x86])
        try p.addRule(.errno(1), syscall: "shmctl", [ArgumentCondition(index: 1, .equal, 0)])  // IPC_RMID
        try p.addRule(.errno(1), syscall: "msgctl", [ArgumentCondition(index: 1, .equal, 0)])
        try p.addRule(.errno(1), syscall: "semctl", [ArgumentCondition(index: 2, .equal, 0)])
        #expect(try Self.decide(p, .x86, "ipc", [24, 5, 0x100, 0, 0]) == .errno(1))
        #expect(try Self.decide(p, .x86, "ipc", [24, 5, 0, 0, 0]) == .errno(1))
        #expect(try Self.decide(p, .x86, "ipc", [24 | 1 << 16, 5, 0x100, 0, 0]) == .errno(1), "the version lives in the upper 16 bits")
        #expect(try Self.decide(p, .x86, "ipc", [24, 5, 2, 0, 0]) == .allow, "IPC_STAT still works")
        #expect(try Self.decide(p, .x86, "ipc", [14, 5, 0x100, 0, 0]) == .errno(1))
        #expect(try Self.decide(p, .x86, "ipc", [3, 5, 0, 0x100, 0]) == .errno(1))
        #expect(try Self.decide(p, .x86_64, "shmctl", [5, 0]) == .errno(1))
        // A comparison that cannot ignore the bit: the sub-call is refused outright.
        var q = Policy(.allow, architectures: [.x86])
        try q.addRule(.errno(1), syscall: "shmctl", [ArgumentCondition(index: 1, .greater, 5)])
        #expect(try Self.decide(q, .x86, "ipc", [24, 5, 2, 0, 0]) == .errno(1))
        #expect(try Self.decide(q, .x86, "ipc", [23, 5, 2, 0, 0]) == .allow, "other sub-calls are untouched")
    }

    @Test("s390's ipc passes semtimedop's timeout in `third`; the others in `fifth`")
    func semtimedopTimeout() throws {
        var p = Policy(.allow, architectures: [.s390x, .x86])
        try p.addRule(.errno(1), syscall: "semtimedop", [ArgumentCondition(index: 3, .equal, 0)])
        #expect(try Self.decide(p, .s390x, "ipc", [4, 1, 1, 0, 0x1000]) == .errno(1))
        #expect(try Self.decide(p, .s390x, "ipc", [4, 1, 1, 0x2000, 0x1000]) == .allow)
        #expect(try Self.decide(p, .x86, "ipc", [4, 1, 1, 0x2000, 0x1000, 0]) == .errno(1))
        #expect(try Self.decide(p, .x86, "ipc", [4, 1, 1, 0, 0x1000, 0x2000]) == .allow)
    }

    @Test("a constant the argument cannot hold: an allowing rule never applies, a refusing one applies to the low bits")
    func unrepresentable() throws {
        var allow = Policy(.errno(1), architectures: [.x86_64])
        try allow.addRule(.allow, syscall: "setns", [ArgumentCondition(index: 1, .equal, 1 << 32)])
        #expect(try Self.decide(allow, .x86_64, "setns", [3, 0]) == .errno(1))
        #expect(try Self.decide(allow, .x86_64, "setns", [3, 1 << 32]) == .errno(1))
        #expect(try Self.decide(allow, .x86_64, "setns", [3, 1 << 32], mode: .systemd) == .allow, "systemd mode: as written")
        var deny = Policy(.allow, architectures: [.x86_64])
        try deny.addRule(.errno(97), syscall: "socket", [ArgumentCondition(index: 0, .equal, 1 << 32 | 17)])
        #expect(try Self.decide(deny, .x86_64, "socket", [17, 3, 0]) == .errno(97))
        // != with such a constant: a refusing rule holds for every value, an allowing one excludes the low bits.
        var ne = Policy(.allow, architectures: [.x86_64])
        try ne.addRule(.errno(1), syscall: "personality", [ArgumentCondition(index: 0, .notEqual, 1 << 32)])
        #expect(try Self.decide(ne, .x86_64, "personality", [0]) == .errno(1))
        var neAllow = Policy(.errno(1), architectures: [.x86_64])
        try neAllow.addRule(.allow, syscall: "personality", [ArgumentCondition(index: 0, .notEqual, 1 << 32 | 8)])
        #expect(try Self.decide(neAllow, .x86_64, "personality", [8]) == .errno(1))
        #expect(try Self.decide(neAllow, .x86_64, "personality", [0]) == .allow)
        // The rule's action against what the call gets without it, value by value: here a later
        // rule allows nstype 0, the rule refuses (1<<32), which the kernel also reads as 0.
        var mixed = Policy(.killProcess, architectures: [.x86_64])
        try mixed.addRule(.errno(1), syscall: "setns", [ArgumentCondition(index: 1, .equal, 1 << 32)])
        try mixed.addRule(.allow, syscall: "setns", [ArgumentCondition(index: 1, .equal, 0)])
        try mixed.addRule(.allow, syscall: "setns", [ArgumentCondition(index: 1, .equal, 0x4000_0000)])
        #expect(try Self.decide(mixed, .x86_64, "setns", [3, 0]) == .errno(1))
        #expect(try Self.decide(mixed, .x86_64, "setns", [3, 1 << 32]) == .errno(1))
        #expect(try Self.decide(mixed, .x86_64, "setns", [3, 0x4000_0000]) == .allow)
        #expect(try Self.decide(mixed, .x86_64, "setns", [3, 0x20000]) == .killProcess)
        // Sign-extended negatives are values an int holds.
        var neg = Policy(.allow, architectures: [.x86_64])
        try neg.addRule(.errno(1), syscall: "setns", [ArgumentCondition(index: 0, .equal, UInt64(bitPattern: -1))])
        #expect(try Self.decide(neg, .x86_64, "setns", [0xFFFF_FFFF, 0]) == .errno(1))
    }

    @Test("several such constants, in one rule or in later rules, and ordering comparisons: never weaker than either reading")
    func unrepresentableCombinations() throws {
        var e = Policy(.allow, architectures: [.x86_64])
        try e.addRule(.log, syscall: "socket", [ArgumentCondition(index: 0, .notEqual, 1 << 32), ArgumentCondition(index: 2, .equal, 1 << 32 | 5)])
        try e.addRule(.errno(1), syscall: "socket", [ArgumentCondition(index: 2, .equal, 5)])
        #expect(try Self.decide(e, .x86_64, "socket", [7, 1, 5]) == .errno(1))
        var f = Policy(.allow, architectures: [.x86_64])
        try f.addRule(.log, syscall: "socket", [ArgumentCondition(index: 0, .equal, 1 << 32 | 2)])
        try f.addRule(.errno(1), syscall: "socket", [ArgumentCondition(index: 0, .notEqual, 1 << 32 | 2), ArgumentCondition(index: 1, .equal, 1)])
        #expect(try Self.decide(f, .x86_64, "socket", [2, 1, 0]) == .errno(1))
        #expect(try Self.decide(f, .x86_64, "socket", [2, 2, 0]) == .log)
        var c = Policy(.errno(1), architectures: [.x86_64])
        try c.addRule(.allow, syscall: "setns", [ArgumentCondition(index: 1, .greaterOrEqual, 1 << 32)])
        #expect(try Self.decide(c, .x86_64, "setns", [3, 0x4000_0000]) == .errno(1))
        #expect(try Self.decide(c, .x86_64, "setns", [3, 0x4000_0000], mode: .systemd) == .errno(1))
        var lt = Policy(.allow, architectures: [.x86_64])
        try lt.addRule(.errno(1), syscall: "setns", [ArgumentCondition(index: 1, .less, 1 << 32)])
        #expect(try Self.decide(lt, .x86_64, "setns", [3, 0x4000_0000]) == .errno(1), "every clean nstype is below the constant")
    }

    @Test("the old semctl/msgctl/shmctl entry points (arm, mips64, n32) clear IPC_64 from cmd as ipc() does")
    func oldIPCEntries() throws {
        var p = Policy(.allow, architectures: [.arm, .mips64, .mips64n32, .x86_64])
        try p.addRule(.errno(1), syscall: "semctl", [ArgumentCondition(index: 2, .equal, 0)])
        try p.addRule(.errno(1), syscall: "shmctl", [ArgumentCondition(index: 1, .equal, 0)])
        for abi in [Architecture.arm, .mips64, .mips64n32] {
            #expect(try Self.decide(p, abi, "semctl", [1, 0, 0x100]) == .errno(1), "\(abi)")
            #expect(try Self.decide(p, abi, "shmctl", [1, 0x100]) == .errno(1), "\(abi)")
            #expect(try Self.decide(p, abi, "semctl", [1, 0, 2]) == .allow, "\(abi)")
        }
        // x86-64's semctl takes IPC_64 as an unknown command (EINVAL): nothing to mask.
        #expect(try Self.decide(p, .x86_64, "semctl", [1, 0, 0x100]) == .allow)
        // The list of such ABIs is the entry table's: exactly the rows entering an old_ function.
        let rows = try TextFile.read(repositoryRoot + "/data/syscall-entry-points.csv").split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map { $0.split(separator: ",").map(String.init) }
        for row in rows where row.count == 3 && ["semctl", "msgctl", "shmctl"].contains(row[1]) {
            let abis = Architecture.allCases.filter { $0.tableColumn == row[0] }
            for abi in abis {
                #expect((Multiplexer.directIPC64Command(of: row[1], on: abi) != nil) == row[2].contains("old_"), "\(row)")
            }
        }
    }

    @Test("personality reads 32 bits on n32 and ppc64 although declared unsigned long")
    func personalityReads() throws {
        var p = Policy(.allow, architectures: [.mips64n32, .ppc64])
        try p.addRule(.errno(1), syscall: "personality", [ArgumentCondition(index: 0, .equal, 0x40_0000)])
        #expect(try Self.decide(p, .mips64n32, "personality", [1 << 32 | 0x40_0000]) == .errno(1))
        #expect(try Self.decide(p, .ppc64, "personality", [1 << 32 | 0x40_0000]) == .errno(1))
    }
}
