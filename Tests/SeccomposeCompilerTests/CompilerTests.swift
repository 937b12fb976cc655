import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("compiler: decisions equal the policy (simulated)")
struct CompilerDecisionTests {
    /// A random policy over `abis` with argument rules.
    static func randomPolicy(_ rng: inout SplitMix, abis: [Architecture]) -> Policy {
        let actions: [Action] = [.allow, .errno(1), .errno(13), .killProcess, .killThread, .trap(7), .log, .trace(3)]
        let names = ["read", "write", "openat", "close", "mmap", "ioctl", "socket", "setns", "clone", "kill", "futex",
            "getpid", "prctl", "personality", "fcntl", "mount", "uname", "exit_group", "io_uring_setup", "socketcall"]
        var p = Policy(defaultAction: actions.randomElement(using: &rng) ?? .allow, architectures: abis,
            otherArchitectureAction: [.killThread, .allow, .killProcess].randomElement(using: &rng) ?? .killThread)
        for name in names.shuffled(using: &rng).prefix(Int.random(in: 3...14, using: &rng)) {
            var d = SyscallDecision(action: actions.randomElement(using: &rng) ?? .allow)
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                var conds: [ArgumentCondition] = []
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let op = ArgumentCondition.Operator.allCases.randomElement(using: &rng) ?? .equal
                    let value = Bool.random(using: &rng) ? (boundaryValues.randomElement(using: &rng) ?? 0) : UInt64.random(in: 0...70, using: &rng)
                    let masks: [UInt64] = [.max, 0xFF, 0xFFFF_FFFF_0000_0000, 0x8000_0000_0000_0001, 0]
                    let mask = masks.randomElement(using: &rng) ?? 0
                    conds.append(ArgumentCondition(index: Int.random(in: 0...5, using: &rng), op, value, mask: mask,
                        is32Bit: Int.random(in: 0..<4, using: &rng) == 0))
                }
                d.rules.append(Rule(conds, action: actions.randomElement(using: &rng) ?? .allow))
            }
            p.syscalls[name] = d
        }
        return p
    }

    static let abiSets: [[Architecture]] = [
        [.x86_64], [.x86, .x32, .x86_64], [.x32], [.aarch64, .arm], [.riscv64], [.ppc64le, .ppc64, .ppc], [.s390x, .s390],
        [.mips, .mipsel, .mips64, .mipsel64, .mips64n32, .mipsel64n32], [.loongarch64, .parisc64, .parisc, .m68k, .sh, .sheb],
        Architecture.allCases,
    ]

    @Test("300 random policies with argument rules: program == policy for every ABI, number and boundary argument",
        arguments: 0..<10)
    func random(seed: Int) throws {
        var rng = SplitMix(state: UInt64(seed) &* 0x1234_5678_9ABC)
        for round in 0..<30 {
            let abis = Self.abiSets[(seed + round) % Self.abiSets.count]
            // Every mode: the program must implement the policy as that mode rewrites it.
            let options = CompileOptions(argumentWidths: ArgumentWidthMode.allCases[round % ArgumentWidthMode.allCases.count])
            let mixed = Self.randomPolicy(&rng, abis: abis)
            if byteOrderGroups(abis).count > 1 {
                #expect(throws: CompileError.self, "both byte orders: refused") { try Compiler.compile(mixed, options: options) }
            }
            for group in byteOrderGroups(abis) {
            let written = sameByteOrder(mixed, as: group[0])
            let policy = Compiler.effectivePolicy(written, options: options)
            let program = try Compiler.compile(written, options: options).instructions
            try Verifier.verify(program)
            for abi in Set(abis + [.x86_64, .x86, .aarch64, .x32]) {
                for nr in probeNumbers(abi) {
                    let name = SyscallTable.name(of: nr, on: abi)
                    let argSets: [[UInt64]] = name.flatMap { policy.syscalls[$0] }.map { _ in
                        (0..<6).map { _ in
                            (0..<6).map { _ in Bool.random(using: &rng) ? (boundaryValues.randomElement(using: &rng) ?? 0) : UInt64.random(in: 0...70, using: &rng) }
                        }
                    } ?? [[]]
                    for args in argSets {
                        let data = SeccompData(abi: abi, number: nr, args: args)
                        let expected = policy.action(auditArch: abi.auditArch, number: UInt32(truncatingIfNeeded: nr), arguments: data.args)
                        let got = try Simulator.run(program, data).action
                        if got != expected {
                            Issue.record("seed \(seed) round \(round) \(abi) nr \(nr) (\(name ?? "-")) args \(args): program \(got), policy \(expected)")
                            return
                        }
                    }
                }
            }
            }
        }
    }

    @Test("x32 is never reachable through x86-64's decisions, and -1 belongs to x86-64")
    func x32Isolation() throws {
        let p = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .killThread,
            syscalls: ["mount": SyscallDecision(action: .errno(1))])
        let prog = try Compiler.compile(p).instructions
        #expect(try Simulator.run(prog, SeccompData(abi: .x86_64, number: 165)).action == .errno(1))
        #expect(try Simulator.run(prog, SeccompData(abi: .x32, number: 0x4000_0000 + 165)).action == .killThread)
        #expect(try Simulator.run(prog, SeccompData(abi: .x86_64, number: 0x4000_0000)).action == .killThread)
        #expect(try Simulator.run(prog, SeccompData(abi: .x86_64, number: 0xFFFF_FFFF)).action == .allow)
        #expect(try Simulator.run(prog, SeccompData(abi: .x86, number: 21)).action == .killThread)
    }

    @Test("64-bit comparisons at the word boundaries", arguments: ArgumentCondition.Operator.allCases)
    func boundaries(op: ArgumentCondition.Operator) throws {
        for value in boundaryValues {
            for abi in [Architecture.x86_64, .ppc64, .x86] {
                let rule = Rule([ArgumentCondition(index: 2, op, value, mask: 0xFFFF_0000_FFFF_0000)], action: .errno(5))
                let p = Policy(defaultAction: .allow, architectures: [abi], otherArchitectureAction: .killProcess,
                    syscalls: ["ioctl": SyscallDecision(action: .allow, rules: [rule])])
                let prog = try Compiler.compile(p, options: asWritten).instructions
                let nr = try #require(SyscallTable.number(of: "ioctl", on: abi))
                for arg in boundaryValues {
                    let data = SeccompData(abi: abi, number: nr, args: [0, 0, arg])
                    let expected = p.action(abi: abi, number: nr, arguments: data.args)
                    #expect(try Simulator.run(prog, data).action == expected, "\(abi) \(op) \(value) arg \(arg)")
                }
            }
        }
    }
}

@Suite("compiler: program shape (the bench's structural targets)")
struct ProgramShapeTests {
    static func policies() throws -> [(String, Policy)] {
        [
            ("@system-service", try systemdPolicy("SystemCallFilter=@system-service")),
            ("~@privileged @resources", try systemdPolicy("SystemCallFilter=~@privileged @resources\nSystemCallErrorNumber=EPERM")),
            ("@system-service 262", try systemdPolicy("SystemCallFilter=@system-service", version: .v262)),
        ]
    }

    @Test("dispatch depth within 4 + ⌈log2 R⌉ (+ 1 per earlier AUDIT_ARCH test), and every unconditional ALLOW is cacheable")
    func shape() throws {
        for (label, policy) in try Self.policies() {
            let program = try Compiler.compile(policy)
            try Verifier.verify(program.instructions)
            for a in ProgramStats.measure(policy: policy, program: program).abis {
                #expect(a.maxDispatchInstructions <= a.bound, "\(label) \(a.abi): \(a.maxDispatchInstructions) > \(a.bound)")
                if a.abi != .x32 { #expect(a.cacheable == a.unconditionalAllows, "\(label) \(a.abi)") }
            }
        }
    }

    @Test("jumps farther than 255 instructions are rewritten, not truncated")
    func longJumps() throws {
        // Many argument rules on one syscall push the shared RETs far away.
        var rules: [Rule] = []
        for v in 0..<400 { rules.append(Rule([ArgumentCondition(index: 1, .equal, UInt64(v) << 33 | 7)], action: .errno(UInt16(v % 50 + 1)))) }
        let p = Policy(defaultAction: .killProcess, architectures: [.x86_64, .x86], otherArchitectureAction: .killThread,
            syscalls: ["ioctl": SyscallDecision(action: .allow, rules: rules), "read": SyscallDecision(action: .allow)])
        let program = try Compiler.compile(p, options: asWritten).instructions
        try Verifier.verify(program)
        #expect(program.count > 600)
        for v in [0, 1, 199, 399] {
            let arg = UInt64(v) << 33 | 7
            #expect(try Simulator.run(program, SeccompData(abi: .x86_64, number: 16, args: [0, arg])).action == .errno(UInt16(v % 50 + 1)))
        }
        #expect(try Simulator.run(program, SeccompData(abi: .x86_64, number: 16, args: [0, 8])).action == .allow)
        #expect(try Simulator.run(program, SeccompData(abi: .x86_64, number: 0)).action == .allow)
        #expect(try Simulator.run(program, SeccompData(abi: .x86_64, number: 1)).action == .killProcess)
    }

    @Test("a program over 4096 instructions is refused with a clear error")
    func tooLong() throws {
        var rules: [Rule] = []
        for v in 0..<1500 { rules.append(Rule([ArgumentCondition(index: 0, .equal, UInt64(v) << 32 | UInt64(v))], action: .errno(1))) }
        let p = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .killThread,
            syscalls: ["ioctl": SyscallDecision(action: .allow, rules: rules)])
        #expect {
            try Compiler.compile(p, options: asWritten)
        } throws: { e in
            (e as? CompileError)?.message.contains("the limit is 4096") == true
        }
    }
}

@Suite("compiler: value sets become binary searches")
struct ValueSetTests {
    @Test("random value sets with other rules around them: program == policy, and lookups stay logarithmic",
        arguments: [Architecture.x86_64, .x86, .ppc64, .x32])
    func valueSets(abi: Architecture) throws {
        var rng = SplitMix(state: UInt64(abi.auditArch))
        for round in 0..<40 {
            let n = Int.random(in: 3...200, using: &rng)
            var values: Set<UInt64> = []
            while values.count < n {
                let high: UInt64 = [0, 1, 0xFFFF_FFFF].randomElement(using: &rng) ?? 0
                values.insert(high << 32 | UInt64.random(in: 0...5000, using: &rng))
            }
            let sorted = values.sorted()
            var rules = [Rule([ArgumentCondition(index: 2, .greater, 100)], action: .log)]
            rules += sorted.map { Rule([ArgumentCondition(index: 1, .equal, $0)], action: .errno(UInt16($0 % 4000 + 1))) }
            rules.append(Rule([ArgumentCondition(index: 1, .less, 7)], action: .trap(3)))
            let p = Policy(defaultAction: .killProcess, architectures: [abi], otherArchitectureAction: .killThread,
                syscalls: ["ioctl": SyscallDecision(action: .allow, rules: rules)])
            let program = try Compiler.compile(p, options: asWritten).instructions
            try Verifier.verify(program)
            let nr = try #require(SyscallTable.number(of: "ioctl", on: abi))
            var maxSteps = 0
            for v in sorted + [0, 6, 7, 5001, 0x1_0000_0000, .max, 0xFFFF_FFFF_0000_0003] {
                for a2 in [UInt64(0), 101] {
                    let data = SeccompData(abi: abi, number: nr, args: [0, v, a2])
                    let r = try Simulator.run(program, data)
                    #expect(r.action == p.action(abi: abi, number: nr, arguments: data.args), "\(abi) round \(round) value \(v)")
                    maxSteps = max(maxSteps, r.instructionsExecuted)
                }
            }
            // A linear chain would need about 2n tests; the search needs about 2 log2 n.
            #expect(maxSteps < 60, "\(abi) round \(round): \(maxSteps) instructions for \(n) values")
        }
    }
}
