// The self-check's walk over ranges of numbers (SelfCheck.numberRanges) replaced running the
// program once per plausible number. These tests hold the walk to those runs: on corrupted
// programs (each jump target, jump constant and return value changed, one at a time) every
// program that a run of some plausible number shows to be wrong is refused, and the walk's
// ranges return what a run returns.

import Foundation
@testable import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("compiler self-check: the walk over number ranges")
struct SelfCheckWalkTests {
    /// The policy of the other self-check tests: plain decisions on three ABIs sharing x86-64's
    /// AUDIT_ARCH value or not, and two argument rules.
    static func policy() throws -> Policy {
        var p = Policy(.errno(1), architectures: [.x86_64, .x32, .x86])
        for name in ["read", "write", "close", "exit_group", "getpid", "map_shadow_stack", "openat"] { try p.addRule(.allow, syscall: name) }
        try p.addRule(.killProcess, syscall: "ptrace")
        try p.addRule(.errno(38), syscall: "uname")
        try p.addRule(.allow, syscall: "socket", [ArgumentCondition(index: 0, .equal, 1, is32Bit: true)])
        try p.addRule(.errno(13), syscall: "ioctl", [ArgumentCondition(index: 1, .greater, 0x5400)])
        return p
    }

    /// The reference: every plausible number run with zero arguments (the numbers the check
    /// probed before the walk), for each AUDIT_ARCH value the policy judges and, for the others
    /// and 0, their 0, base and -1. A decision without rules must be returned without reading
    /// an argument; calls with rules are left to the argument samples (the same code in both).
    static func runsFindDifference(_ program: [BPFInstruction], _ policy: Policy) -> Bool {
        var covered: [UInt32] = []
        for abi in policy.architectures where !covered.contains(abi.auditArch) { covered.append(abi.auditArch) }
        var calls: [(arch: UInt32, nr: UInt32)] = []
        for audit in covered {
            let family = Architecture.allCases.filter { $0.auditArch == audit }
            calls += SelfCheck.probeNumbers(family).map { (audit, $0) }
        }
        for abi in Architecture.allCases where !covered.contains(abi.auditArch) {
            calls += [0, UInt32(abi.syscallBase), 0xFFFF_FFFF].map { (abi.auditArch, $0) }
        }
        calls += [(0, 0), (0, 0xFFFF_FFFF)]
        for (arch, nr) in calls {
            let evaluation = policy.evaluate(auditArch: arch, number: nr, arguments: [0, 0, 0, 0, 0, 0])
            if let d = evaluation.decision, !d.rules.isEmpty { continue }
            let data = SeccompData(nr: nr, arch: arch, littleEndian: arch & 0x4000_0000 != 0)
            guard let r = try? Simulator.run(program, data) else { return true }
            if r.returnValue != evaluation.action.returnValue || r.readBeyondNumberAndArch { return true }
        }
        return false
    }

    /// Each conditional jump with its targets swapped, or both sent to one of them; each jump
    /// constant moved by one either way; each RET returning another action.
    static func mutants(_ program: [BPFInstruction]) -> [(String, [BPFInstruction])] {
        var out: [(String, [BPFInstruction])] = []
        for (i, ins) in program.enumerated() {
            func with(_ change: (inout BPFInstruction) -> Void) -> [BPFInstruction] {
                var p = program
                change(&p[i])
                return p
            }
            if ins.code & 0x07 == BPF.jmp, ins.code != BPF.jmp | BPF.ja {
                if ins.jt != ins.jf {
                    out.append(("\(i): jt and jf swapped", with { swap(&$0.jt, &$0.jf) }))
                    out.append(("\(i): jf = jt", with { $0.jf = $0.jt }))
                    out.append(("\(i): jt = jf", with { $0.jt = $0.jf }))
                }
                out.append(("\(i): k + 1", with { $0.k &+= 1 }))
                out.append(("\(i): k - 1", with { $0.k &-= 1 }))
            }
            if ins.code == BPF.ret | BPF.k {
                for other in [Action.allow, .errno(1), .errno(2), .killProcess, .log] where other.returnValue != ins.k {
                    out.append(("\(i): RET \(other)", with { $0.k = other.returnValue }))
                }
            }
        }
        return out
    }

    @Test("the probed numbers are the sorted, distinct union of 0…1023, the edges, and each ABI's base range, numbers and numbers + 1")
    func probeNumbersAreTheSortedUnion() {
        var families: [UInt32: [Architecture]] = [:]
        for abi in Architecture.allCases { families[abi.auditArch, default: []].append(abi) }
        #expect(families.count > 10)
        for (_, family) in families {
            var all: [UInt32] = Array(0...1023) + [0x3FFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF]
            for abi in family {
                let base = UInt32(abi.syscallBase)
                if base != 0 { all += (0...1023).map { base + $0 } }
                for (_, n) in SyscallTable.syscalls(on: abi) {
                    all += [UInt32(truncatingIfNeeded: n), UInt32(truncatingIfNeeded: n + 1)]
                }
            }
            #expect(SelfCheck.makeProbeNumbers(family) == Array(Set(all)).sorted(), "\(family)")
        }
        // The merge itself, on runs that overlap, repeat and (the second) do not ascend.
        #expect(SelfCheck.mergedAscending([1, 3, 5], [2, 3, 3, 9]) == [1, 2, 3, 5, 9])
        #expect(SelfCheck.mergedAscending([1, 3], [7, 2, 3]) == [1, 2, 3, 7])
        #expect(SelfCheck.mergedAscending([], []) == [])
    }

    @Test("every corrupted program that a run of a plausible number shows wrong is refused")
    func mutantsAreRefused() throws {
        let (policy, program) = try Compiler.compiled(try Self.policy())
        #expect(SelfCheck.firstDifference(program.instructions, policy) == nil)
        #expect(!Self.runsFindDifference(program.instructions, policy))
        var wrong = 0
        var missed: [String] = []
        for (label, mutant) in Self.mutants(program.instructions) where Self.runsFindDifference(mutant, policy) {
            wrong += 1
            if SelfCheck.firstDifference(mutant, policy) == nil { missed.append(label) }
        }
        #expect(wrong > 100, "\(wrong) wrong mutants")
        #expect(missed.isEmpty, "accepted although wrong: \(missed)")
    }

    @Test("the walk's constant ranges return what a run of their numbers returns (@system-service, Docker's profile)")
    func rangesAgreeWithRuns() throws {
        let service = try systemdPolicy("SystemCallFilter=@system-service")
        let dockerPath = repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json"
        let docker = try OCIProfileImporter.load(json: Array(try TextFile.read(dockerPath).utf8), file: "docker.json",
            target: OCITarget(architecture: .x86_64)).policy
        for policy in [service, docker] {
            let program = try Compiler.compile(policy).instructions
            for audit in [Architecture.x86_64.auditArch, Architecture.x86.auditArch, Architecture.aarch64.auditArch, 0] {
                let ranges = SelfCheck.numberRanges(program, auditArch: audit)
                #expect(ranges.first?.start == 0)
                for (k, range) in ranges.enumerated() {
                    guard let value = range.returns else { continue }
                    let end = k + 1 < ranges.count ? ranges[k + 1].start - 1 : .max
                    // Its ends and middle, with zero and other arguments: one value, no argument read.
                    for nr in [range.start, range.start + (end - range.start) / 2, end] {
                        for args: [UInt64] in [[0, 0, 0, 0, 0, 0], [1, 0xFFFF_FFFF, 7, 0, 0x1_0000_0000, 3]] {
                            let r = try Simulator.run(program, SeccompData(nr: nr, arch: audit, args: args))
                            #expect(r.returnValue == value && !r.readBeyondNumberAndArch, "arch \(audit) nr \(nr) range \(range.start)...\(end) walk \(value) run \(r.returnValue)")
                        }
                    }
                }
            }
        }
    }

    @Test("a program whose first jump tests the accumulator before any load is walked with it as 0, as the kernel runs it")
    func accumulatorStartsAtZero() throws {
        // JEQ 0 → RET ALLOW, else RET KILL: the accumulator is 0, so every call is allowed.
        let program = [BPF.jump(BPF.jeq, 0, jt: 0, jf: 1), BPF.returnValue(Action.allow.returnValue),
            BPF.returnValue(Action.killProcess.returnValue)]
        let ranges = SelfCheck.numberRanges(program, auditArch: Architecture.x86_64.auditArch)
        #expect(ranges.count == 1 && ranges[0].returns == Action.allow.returnValue)
        let policy = Policy(defaultAction: .allow, architectures: [.x86_64], otherArchitectureAction: .allow)
        #expect(SelfCheck.firstDifference(program, policy) == nil)
        let denying = Policy(defaultAction: .errno(1), architectures: [.x86_64], otherArchitectureAction: .allow)
        #expect(SelfCheck.firstDifference(program, denying) != nil)
    }
}
