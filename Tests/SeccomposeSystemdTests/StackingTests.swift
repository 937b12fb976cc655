// Policy.stacked(under:) against its definition: for every ABI, number and argument values, the
// stacked policy decides Action.stacked(earlier: A.action(…), later: B.action(…)).

import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

typealias StackingRNG = SplitMix

/// Argument values at the word boundaries, where 32- and 64-bit comparisons differ.
let stackingBoundaryValues: [UInt64] = [
    0, 1, 2, 5, 6, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0001, 0x8000_0000_0000_0000,
    .max, .max - 1, 0xFFFF_FFFF_8000_0000, 0x0000_0001_FFFF_FFFF,
]

@Suite("Policy.stacked(under:) equals the kernel's combination of two filters")
struct StackingTests {
    static let actions: [Action] = [.allow, .errno(1), .errno(13), .killProcess, .killThread, .trap(7), .log, .trace(3),
        .userNotif, .errno(0)]
    static let names = ["read", "write", "openat", "close", "mmap", "ioctl", "socket", "setns", "clone", "kill", "futex",
        "getpid", "prctl", "personality", "fcntl", "mount", "uname", "socketcall", "mmap2", "_sysctl", "shmat"]
    static let abiPool: [Architecture] = [.x86_64, .x32, .x86, .aarch64, .arm, .s390x, .mips]

    static func randomValue(_ rng: inout StackingRNG) -> UInt64 {
        Bool.random(using: &rng) ? (stackingBoundaryValues.randomElement(using: &rng) ?? 0) : UInt64.random(in: 0...8, using: &rng)
    }

    static func randomDecision(_ rng: inout StackingRNG) -> SyscallDecision {
        var d = SyscallDecision(action: actions.randomElement(using: &rng) ?? .allow)
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            var conds: [ArgumentCondition] = []
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                let op = ArgumentCondition.Operator.allCases.randomElement(using: &rng) ?? .equal
                let masks: [UInt64] = [.max, 0x6, 0xFFFF_FFFF, 0xFFFF_FFFF_0000_0000, 0x8000_0000_0000_0001]
                conds.append(ArgumentCondition(index: Int.random(in: 0...2, using: &rng), op, randomValue(&rng),
                    mask: masks.randomElement(using: &rng) ?? .max, is32Bit: Int.random(in: 0..<4, using: &rng) == 0))
            }
            d.rules.append(Rule(conds, action: actions.randomElement(using: &rng) ?? .allow))
        }
        return d
    }

    static func randomTable(_ rng: inout StackingRNG) -> [String: SyscallDecision] {
        var t: [String: SyscallDecision] = [:]
        for name in names.shuffled(using: &rng).prefix(Int.random(in: 2...14, using: &rng)) {
            t[name] = randomDecision(&rng)
        }
        return t
    }

    /// A random policy over some ABIs of the pool, sometimes with per-ABI tables.
    static func randomPolicy(_ rng: inout StackingRNG) -> Policy {
        var abis = abiPool.shuffled(using: &rng)
        abis = Array(abis.prefix(Int.random(in: 0...5, using: &rng)))
        // Often share a default and other-ABI action, as systemd's layers do.
        let shared = Bool.random(using: &rng)
        var p = Policy(defaultAction: shared ? .allow : (actions.randomElement(using: &rng) ?? .allow), architectures: abis,
            otherArchitectureAction: shared ? [.allow, .killThread].randomElement(using: &rng) ?? .allow
                : actions.randomElement(using: &rng) ?? .allow,
            syscalls: randomTable(&rng))
        for abi in abis where Int.random(in: 0..<4, using: &rng) == 0 { p.abiSyscalls[abi] = randomTable(&rng) }
        return p
    }

    /// The numbers to probe on `abi`: every number a pool name has there, plus unnamed ones.
    static func numbers(_ abi: Architecture) -> [Int] {
        var out = names.compactMap { SyscallTable.number(of: $0, on: abi) }
        out += [abi.syscallBase + 3, abi.syscallBase + 4000, abi.syscallBase + 100_000]
        return out
    }

    static func argumentSets(_ rng: inout StackingRNG) -> [[UInt64]] {
        var sets: [[UInt64]] = stackingBoundaryValues.map { [$0, $0, $0] }
        for _ in 0..<12 { sets.append((0..<3).map { _ in randomValue(&rng) }) }
        return sets
    }

    /// Whether a wrong answer for an unnamed number is the documented limitation: an ABI whose
    /// combined default differs from the policy-wide one, represented by a table naming every call.
    static func isDocumentedGap(_ s: Policy, _ abi: Architecture, _ number: Int) -> Bool {
        guard SyscallTable.name(of: number, on: abi) == nil, s.architectures.contains(abi),
            let table = s.abiSyscalls[abi]
        else { return false }
        return SyscallTable.syscalls(on: abi).allSatisfy { table[$0.name] != nil }
    }

    @Test("random policies with argument rules: stacked == definition for every ABI, number and boundary argument",
        arguments: 0..<8)
    func random(seed: Int) throws {
        var rng = StackingRNG(state: UInt64(seed + 1) &* 0x5DEE_CE66_D1CE_4E5B)
        var compared = 0
        for round in 0..<40 {
            let a = Self.randomPolicy(&rng), b = Self.randomPolicy(&rng)
            let s = a.stacked(under: b)
            // The union of the ABIs, minus those left out because they get the other-ABI action.
            for abi in a.architectures + b.architectures where !s.architectures.contains(abi) {
                #expect(Self.numbers(abi).allSatisfy { s.action(abi: abi, number: $0) == s.otherArchitectureAction })
            }
            for abi in Architecture.allCases {
                for nr in Self.numbers(abi) {
                    for args in Self.argumentSets(&rng) {
                        let expected = Action.stacked(earlier: a.action(abi: abi, number: nr, arguments: args),
                            later: b.action(abi: abi, number: nr, arguments: args))
                        let got = s.action(abi: abi, number: nr, arguments: args)
                        compared += 1
                        if got != expected, !Self.isDocumentedGap(s, abi, nr) {
                            Issue.record("seed \(seed) round \(round) \(abi) nr \(nr) args \(args): stacked \(got), expected \(expected)\nA: \(a)\nB: \(b)")
                            return
                        }
                    }
                }
            }
            // As the kernel presents calls: AUDIT_ARCH plus number, x32 numbers and -1 included.
            for number: UInt32 in [0, 41, 0x4000_0000 + 41, 0x4000_0000 + 3, 0xFFFF_FFFF, 0x7FFF_FFFF] {
                for abi in [Architecture.x86_64, .x86, .aarch64] {
                    let args = Self.argumentSets(&rng).randomElement(using: &rng) ?? []
                    let expected = Action.stacked(
                        earlier: a.action(auditArch: abi.auditArch, number: number, arguments: args),
                        later: b.action(auditArch: abi.auditArch, number: number, arguments: args))
                    let got = s.action(auditArch: abi.auditArch, number: number, arguments: args)
                    let routed = Architecture.abi(auditArch: abi.auditArch, number: number, among: s.architectures)
                    if got != expected, !(routed.map { Self.isDocumentedGap(s, $0, Int(number)) } ?? false) {
                        Issue.record("seed \(seed) round \(round) audit \(abi) nr \(number): stacked \(got), expected \(expected)")
                        return
                    }
                }
            }
        }
        #expect(compared > 100_000)
    }

    @Test("policies sharing default and other-ABI actions per ABI stack exactly, unnamed numbers included",
        arguments: 0..<4)
    func exactWhenDefaultsAgree(seed: Int) throws {
        var rng = StackingRNG(state: UInt64(seed + 77) &* 0x2545_F491_4F6C_DD1D)
        for round in 0..<40 {
            // systemd's layers: default ALLOW, other ABIs ALLOW or KILL_THREAD (the arch filter).
            var a = Self.randomPolicy(&rng), b = Self.randomPolicy(&rng)
            a.defaultAction = .allow
            a.otherArchitectureAction = .allow
            b.defaultAction = [.allow, .errno(1), .killProcess].randomElement(using: &rng) ?? .allow
            b.otherArchitectureAction = .allow
            // A layer with another default judges every ABI the earlier ones judge.
            for abi in a.architectures { b.addArchitecture(abi) }
            let s = a.stacked(under: b)
            #expect(s.abiSyscalls.values.allSatisfy { $0.count < 100 }, "no ABI needs a table naming every call")
            for abi in Architecture.allCases {
                for nr in Self.numbers(abi) {
                    for args in Self.argumentSets(&rng).prefix(6) {
                        let expected = Action.stacked(earlier: a.action(abi: abi, number: nr, arguments: args),
                            later: b.action(abi: abi, number: nr, arguments: args))
                        #expect(s.action(abi: abi, number: nr, arguments: args) == expected,
                            "seed \(seed) round \(round) \(abi) nr \(nr) args \(args)")
                    }
                }
            }
        }
    }

    @Test("stacking is associative in its decisions, and stacking on allow-everything changes nothing")
    func associativeAndIdentity() throws {
        var rng = StackingRNG(state: 0xC0FFEE)
        for _ in 0..<40 {
            let a = Self.randomPolicy(&rng), b = Self.randomPolicy(&rng), c = Self.randomPolicy(&rng)
            let left = a.stacked(under: b).stacked(under: c), right = a.stacked(under: b.stacked(under: c))
            let identity = Policy(defaultAction: .allow, architectures: [], otherArchitectureAction: .allow)
            let onIdentity = identity.stacked(under: a), underIdentity = a.stacked(under: identity)
            for abi in Self.abiPool {
                for nr in Self.numbers(abi) where SyscallTable.name(of: nr, on: abi) != nil {
                    for args in Self.argumentSets(&rng).prefix(5) {
                        let expected = Action.stacked(
                            earlier: Action.stacked(earlier: a.action(abi: abi, number: nr, arguments: args),
                                later: b.action(abi: abi, number: nr, arguments: args)),
                            later: c.action(abi: abi, number: nr, arguments: args))
                        #expect(left.action(abi: abi, number: nr, arguments: args) == expected)
                        #expect(right.action(abi: abi, number: nr, arguments: args) == expected)
                        let alone = a.action(abi: abi, number: nr, arguments: args)
                        #expect(onIdentity.action(abi: abi, number: nr, arguments: args) == alone)
                        #expect(underIdentity.action(abi: abi, number: nr, arguments: args) == alone)
                    }
                }
            }
        }
    }

    @Test("equal precedence: the later filter's data wins; higher precedence wins whatever the order")
    func precedence() throws {
        let eperm = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .allow,
            syscalls: ["clock_settime": SyscallDecision(action: .errno(1))])
        let eacces = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .allow,
            syscalls: ["clock_settime": SyscallDecision(action: .errno(13))])
        let kill = Policy(defaultAction: .killProcess, architectures: [.x86_64], otherArchitectureAction: .allow,
            syscalls: ["read": SyscallDecision(action: .allow)])
        #expect(eperm.stacked(under: eacces).action(abi: .x86_64, name: "clock_settime") == .errno(13))
        #expect(eacces.stacked(under: eperm).action(abi: .x86_64, name: "clock_settime") == .errno(1))
        #expect(eperm.stacked(under: kill).action(abi: .x86_64, name: "clock_settime") == .killProcess)
        #expect(kill.stacked(under: eperm).action(abi: .x86_64, name: "clock_settime") == .killProcess)
        #expect(kill.stacked(under: eperm).action(abi: .x86_64, name: "read") == .allow)
    }

    @Test("argument rules combine as the product of the two first-match lists")
    func ruleProduct() throws {
        // A: a0 == 1 → EPERM, else allow. B: a1 == 2 → EACCES, a0 == 1 → KILL, else log.
        let a = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .allow,
            syscalls: ["ioctl": SyscallDecision(action: .allow,
                rules: [Rule([ArgumentCondition(index: 0, .equal, 1)], action: .errno(1))])])
        let b = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .allow,
            syscalls: ["ioctl": SyscallDecision(action: .log, rules: [
                Rule([ArgumentCondition(index: 1, .equal, 2)], action: .errno(13)),
                Rule([ArgumentCondition(index: 0, .equal, 1)], action: .killProcess),
            ])])
        let s = a.stacked(under: b)
        let nr = try #require(SyscallTable.number(of: "ioctl", on: .x86_64))
        let cases: [([UInt64], Action)] = [
            ([1, 2], .errno(13)),  // both errno: the later's data
            ([1, 0], .killProcess),
            ([0, 2], .errno(13)),
            ([0, 0], .log),
            ([1, 0x1_0000_0002], .killProcess),  // 64-bit comparison: a1 != 2
        ]
        for (args, expected) in cases {
            #expect(s.action(abi: .x86_64, number: nr, arguments: args) == expected, "\(args)")
        }
        // No rule survives that cannot decide: the last rule's action differs from the fallback.
        let d = try #require(s.syscalls["ioctl"])
        #expect(d.action == .log)
        #expect(d.rules.last?.action != d.action)
    }

    @Test("an ABI blocked by an architecture filter is left out: all of its calls get the other-ABI action")
    func blockedABI() throws {
        var layer = Policy(defaultAction: .allow, architectures: [.x86, .x32, .x86_64], otherArchitectureAction: .allow,
            syscalls: ["sethostname": SyscallDecision(action: .errno(1))])
        layer.abiSyscalls[.x86] = ["sethostname": SyscallDecision(action: .errno(1)), "stime": SyscallDecision(action: .errno(1))]
        let arch = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .killThread)
        let s = layer.stacked(under: arch)
        #expect(s.architectures == [.x86_64])
        #expect(s.otherArchitectureAction == .killThread)
        #expect(s.abiSyscalls.isEmpty)
        #expect(s.action(abi: .x86, name: "sethostname") == .killThread)
        #expect(s.action(abi: .x86_64, name: "sethostname") == .errno(1))
        #expect(s.action(auditArch: Architecture.x86_64.auditArch, number: 0x4000_0000 + 170, arguments: []) == .killThread)
        #expect(s.action(auditArch: Architecture.x86_64.auditArch, number: 0xFFFF_FFFF, arguments: []) == .allow)
        // An earlier KILL_PROCESS still outranks the architecture filter's KILL_THREAD.
        let killer = Policy(defaultAction: .allow, architectures: [.x86], otherArchitectureAction: .allow,
            syscalls: ["reboot": SyscallDecision(action: .killProcess)])
        let k = killer.stacked(under: arch)
        #expect(k.action(abi: .x86, name: "reboot") == .killProcess)
        #expect(k.action(abi: .x86, name: "read") == .killThread)
    }

    @Test("ABIs judged by one policy only keep the other's other-ABI action; per-ABI tables where decisions differ")
    func partialABIs() throws {
        let raf = Policy(defaultAction: .allow, architectures: [.x32, .x86_64], otherArchitectureAction: .allow,
            syscalls: ["socket": SyscallDecision(action: .allow,
                rules: [Rule([ArgumentCondition(index: 0, .equal, 17)], action: .errno(97))])])
        var mdwe = Policy(defaultAction: .allow, architectures: [.x86, .x32, .x86_64], otherArchitectureAction: .allow,
            syscalls: ["mmap": SyscallDecision(action: .allow,
                rules: [Rule([ArgumentCondition(index: 2, .maskedEqual, 6, mask: 6)], action: .errno(1))])])
        mdwe.abiSyscalls[.x86] = ["mmap": SyscallDecision(action: .errno(1))]
        let s = raf.stacked(under: mdwe)
        #expect(s.architectures == [.x32, .x86_64, .x86])
        #expect(s.action(abi: .x86, number: 359, arguments: [17]) == .allow)
        #expect(s.action(abi: .x86, number: 90, arguments: [0, 0, 0]) == .errno(1))
        #expect(s.action(abi: .x86_64, number: 41, arguments: [17]) == .errno(97))
        #expect(s.action(abi: .x86_64, number: 9, arguments: [0, 0, 7]) == .errno(1))
        #expect(s.action(abi: .x86_64, number: 9, arguments: [0, 0, 3]) == .allow)
        #expect(s.abiSyscalls.keys.sorted() == [.x86])
    }
}
