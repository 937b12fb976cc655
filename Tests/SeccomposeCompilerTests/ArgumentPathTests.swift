// Issue 15's "Programs" goal as counts (not timings): single-bit flag tests merged into one JSET
// decide exactly as the rules did, the merge stays away from rules it would change, repeated
// loads of a word are dropped, and the worst paths of @system-service, Docker's profile and the
// hardened recipe are at their bounds.

import Foundation
import SeccomposeCompiler
import SeccomposeInput
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd
import SeccomposeTestSupport
import Testing

@Suite("compiler: argument paths (single-bit JSET merges, shared loads, worst paths at the bound)")
struct ArgumentPathTests {
    static let abis: [Architecture] = [.x86_64, .x86, .x32, .ppc64, .s390x, .aarch64]

    /// Every combination of `bits` (a few bits), plus random values with and without them.
    static func values(_ bits: [UInt64], _ rng: inout SplitMix) -> [UInt64] {
        var out: [UInt64] = []
        for subset in 0..<(1 << bits.count) {
            var v: UInt64 = 0
            for (i, b) in bits.enumerated() where subset >> i & 1 == 1 { v |= b }
            out += [v, v | 0x10, v | 0xFFFF_FFFF_0000_0000, ~v]
        }
        for _ in 0..<16 { out.append(UInt64.random(in: 0...UInt64.max, using: &rng)) }
        return out
    }

    static func expectSameDecisions(_ p: Policy, _ name: String, _ values: [UInt64], index: Int, _ comment: String) throws {
        for options in [CompileOptions(), asWritten] {
            let (effective, program) = try Compiler.compiled(p, options: options)
            for abi in p.architectures {
                guard let nr = SyscallTable.number(of: name, on: abi) else { continue }
                for v in values {
                    var args = [UInt64](repeating: 0, count: 6)
                    args[index] = v
                    let data = SeccompData(abi: abi, number: nr, args: args)
                    #expect(try Simulator.run(program.instructions, data).action == effective.action(abi: abi, number: nr, arguments: args),
                        "\(comment) \(abi) 0x\(String(v, radix: 16))")
                }
            }
        }
    }

    @Test("RestrictNamespaces-like flag rules: one JSET decides them all, as the seven rules did")
    func namespaceFlags() throws {
        let flags: [UInt64] = [0x0002_0000, 0x0400_0000, 0x0800_0000, 0x1000_0000, 0x2000_0000, 0x4000_0000, 0x0000_0080]
        let rules = flags.map { Rule([ArgumentCondition(index: 0, .maskedEqual, $0, mask: $0)], action: .errno(1)) }
        var rng = SplitMix(state: 15)
        for abi in Self.abis {
            let p = Policy(defaultAction: .killProcess, architectures: [abi], otherArchitectureAction: .killThread,
                syscalls: ["unshare": SyscallDecision(action: .allow, rules: rules), "read": SyscallDecision(action: .allow)])
            try Self.expectSameDecisions(p, "unshare", Self.values(flags, &rng), index: 0, "namespace flags")
            let program = try Compiler.compile(p).instructions
            #expect(program.filter { $0.code == BPF.jmp | BPF.jset | BPF.k }.count == 1, "\(abi)")
            #expect(!program.contains { $0.code == BPF.alu | BPF.and | BPF.k }, "\(abi)")
            let nr = try #require(SyscallTable.number(of: "unshare", on: abi))
            let run = try Simulator.run(program, SeccompData(abi: abi, number: nr, args: [0x4000_0000]))
            #expect(run.firstArgumentLoad > 0 && run.instructionsExecuted - run.firstArgumentLoad == 2, "\(abi): load and JSET")
        }
    }

    @Test("no merge where it would change a decision: different actions, multi-bit masks, overlapping masks, other words")
    func mixedMasks() throws {
        let a: UInt64 = 0x10, b: UInt64 = 0x100, c: UInt64 = 0x1000, high: UInt64 = 0x2_0000_0000
        let cases: [(String, [Rule])] = [
            ("different actions", [
                Rule([ArgumentCondition(index: 1, .maskedEqual, a, mask: a)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, b, mask: b)], action: .errno(2)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, c, mask: c)], action: .errno(1)),
            ]),
            ("a multi-bit mask between single bits", [
                Rule([ArgumentCondition(index: 1, .maskedEqual, a, mask: a)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, b | c, mask: b | c)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, c, mask: c)], action: .errno(1)),
            ]),
            ("overlapping masks with other values", [
                Rule([ArgumentCondition(index: 1, .maskedEqual, a, mask: a | b)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, b, mask: b)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, 0, mask: a)], action: .errno(3)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, a, mask: a)], action: .errno(1)),
            ]),
            ("bits of both words and of two arguments, the same bit twice", [
                Rule([ArgumentCondition(index: 1, .maskedEqual, a, mask: a)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, high, mask: high)], action: .errno(1)),
                Rule([ArgumentCondition(index: 2, .maskedEqual, b, mask: b)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, a, mask: a)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, b, mask: b, is32Bit: true)], action: .errno(1)),
            ]),
            ("a bit-clear test and a two-condition rule in the run", [
                Rule([ArgumentCondition(index: 1, .maskedEqual, a, mask: a)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, 0, mask: b)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, c, mask: c), ArgumentCondition(index: 1, .maskedEqual, a, mask: a)],
                    action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, c, mask: c)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .equal, 7)], action: .errno(4)),
            ]),
            ("a value outside the mask, and a bit the ABI may not compare", [
                Rule([ArgumentCondition(index: 1, .maskedEqual, a | 1, mask: a)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, high | b, mask: high)], action: .errno(1)),
                Rule([ArgumentCondition(index: 1, .maskedEqual, b, mask: b | high)], action: .errno(1)),
            ]),
        ]
        var rng = SplitMix(state: 0x15)
        for (label, rules) in cases {
            for abi in Self.abis {
                for fallThrough in [Action.allow, .errno(1)] {
                    let p = Policy(defaultAction: .killProcess, architectures: [abi], otherArchitectureAction: .killThread,
                        syscalls: ["ioctl": SyscallDecision(action: fallThrough, rules: rules)])
                    try Self.expectSameDecisions(p, "ioctl", Self.values([a, b, c, high, 1], &rng), index: 1, "\(label) (\(fallThrough))")
                }
            }
        }
        // Different actions keep one test per rule: the first rule that matches decides.
        let p = Policy(defaultAction: .killProcess, architectures: [.x86_64], otherArchitectureAction: .killThread,
            syscalls: ["ioctl": SyscallDecision(action: .allow, rules: cases[0].1)])
        let program = try Compiler.compile(p).instructions
        #expect(program.filter { $0.code == BPF.jmp | BPF.jset | BPF.k }.count == 3)
        #expect(try Simulator.run(program, SeccompData(abi: .x86_64, number: 16, args: [0, b | c])).action == .errno(2))
    }

    @Test("random single-bit, zero-value and masked rules decide as the policy, in every mode and ABI", arguments: [Architecture.x86_64, .x86, .x32, .s390x])
    func randomBitRules(abi: Architecture) throws {
        var rng = SplitMix(state: UInt64(abi.auditArch) ^ 0x15)
        let actions: [Action] = [.errno(1), .errno(2), .log]
        for round in 0..<60 {
            var bits: [UInt64] = []
            var rules: [Rule] = []
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let bit = UInt64(1) << UInt64(Int.random(in: 0..<64, using: &rng))
                bits.append(bit)
                let index = Int.random(in: 0...1, using: &rng)
                let action = Int.random(in: 0..<4, using: &rng) == 0 ? actions.randomElement(using: &rng) ?? .log : .errno(1)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: rules.append(Rule([ArgumentCondition(index: index, .maskedEqual, 0, mask: bit)], action: action))
                case 1:
                    let other = UInt64(1) << UInt64(Int.random(in: 0..<64, using: &rng))
                    rules.append(Rule([ArgumentCondition(index: index, .maskedEqual, bit, mask: bit | other)], action: action))
                case 2: rules.append(Rule([ArgumentCondition(index: index, .maskedEqual, bit, mask: bit, is32Bit: true)], action: action))
                default: rules.append(Rule([ArgumentCondition(index: index, .maskedEqual, bit, mask: bit)], action: action))
                }
            }
            let p = Policy(defaultAction: .killProcess, architectures: [abi], otherArchitectureAction: .killThread,
                syscalls: ["unshare": SyscallDecision(action: .allow, rules: rules)])
            let vs = Self.values(Array(bits.prefix(6)), &rng)
            for index in 0...1 { try Self.expectSameDecisions(p, "unshare", vs, index: index, "round \(round)") }
        }
    }

    @Test("a word tested twice in a row is loaded once")
    func sharedLoads() throws {
        // Two rules on one argument word: after the first test (a JSET keeps the word) the
        // second needs no load.
        let rules = [
            Rule([ArgumentCondition(index: 0, .maskedEqual, 0x10, mask: 0x10)], action: .errno(1)),
            Rule([ArgumentCondition(index: 0, .maskedEqual, 0x20, mask: 0x20)], action: .errno(2)),
        ]
        let p = Policy(defaultAction: .killProcess, architectures: [.x86_64], otherArchitectureAction: .killThread,
            syscalls: ["unshare": SyscallDecision(action: .allow, rules: rules)])
        let program = try Compiler.compile(p).instructions
        #expect(program.filter { $0.code == BPF.ld | BPF.w | BPF.abs && $0.k >= 16 }.count == 1)
        let nr = try #require(SyscallTable.number(of: "unshare", on: .x86_64))
        for (arg, action) in [(UInt64(0), Action.allow), (0x10, .errno(1)), (0x20, .errno(2)), (0x30, .errno(1))] {
            #expect(try Simulator.run(program, SeccompData(abi: .x86_64, number: nr, args: [arg])).action == action)
        }
    }

    // MARK: worst paths

    /// The hardened recipe: nine argument and filter directives, native ABI (systemd 252).
    static let hardened = [
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EPERM",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "RestrictNamespaces=yes", "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes",
    ]

    static func policies(_ mode: ArgumentWidthMode) throws -> [(String, Policy)] {
        let context = try SystemdContext(version: .v252, native: .x86_64, argumentWidths: mode)
        var s = SystemCallSettings(context: context)
        _ = s.applyFilter("@system-service", source: ValueSource(file: nil, line: 1))
        let path = repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json"
        let docker = try OCIProfileImporter.load(json: Array(try TextFile.read(path).utf8), file: "docker.json",
            target: OCITarget(architecture: .x86_64, kernel: (6, 1)), argumentWidths: mode).policy
        return [("@system-service", try SystemdPolicyBuilder.build(s).policy), ("Docker default", docker)]
    }

    /// The worst paths per ABI (`PathMeasure`), with the bound 4 + ⌈log2 R⌉ (+ 1 per earlier AUDIT_ARCH test).
    static func worstPaths(_ effective: Policy, _ program: [BPFInstruction])
        throws -> [(abi: Architecture, dispatch: Int, argumentDispatch: Int, worst: Int, bound: Int)]
    {
        try PathMeasure.paths(policy: effective, program: Program(program)).map {
            ($0.abi, $0.dispatchWorst, $0.argumentDispatchWorst, $0.worst, $0.bound)
        }
    }

    @Test("@system-service and Docker's profile: every path at the bound 4 + ⌈log2 R⌉ (+ 1 per earlier AUDIT_ARCH test; argument tests aside) on every ABI",
        arguments: [ArgumentWidthMode.kernel, .systemd])
    func atTheBound(mode: ArgumentWidthMode) throws {
        for (label, policy) in try Self.policies(mode) {
            let (effective, program) = try Compiler.compiled(policy)
            for w in try Self.worstPaths(effective, program.instructions) {
                #expect(w.dispatch <= w.bound, "\(label) \(w.abi) \(mode): dispatch \(w.dispatch) > \(w.bound)")
                #expect(w.argumentDispatch <= w.bound, "\(label) \(w.abi) \(mode): argument-checked \(w.argumentDispatch) > \(w.bound)")
            }
        }
    }

    @Test("the hardened recipe: worst path at most 20 instructions", arguments: [ArgumentWidthMode.kernel, .systemd])
    func hardenedRecipe(mode: ArgumentWidthMode) throws {
        var r = FilterRequest(context: try SystemdContext(version: .v252, native: .x86_64, argumentWidths: mode))
        r.unitSettings = Self.hardened
        let (effective, program) = try Compiler.compiled(try r.policy().policy)
        #expect(effective.architectures == [.x86_64])
        for w in try Self.worstPaths(effective, program.instructions) {
            #expect(w.worst <= 20, "\(w.abi) \(mode): worst path \(w.worst)")
            #expect(w.dispatch <= w.bound && w.argumentDispatch <= w.bound, "\(w.abi) \(mode): \(w)")
        }
    }
}
