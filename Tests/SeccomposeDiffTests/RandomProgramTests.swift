// The diff on random BPF programs (loads of every word, AND masks, JEQ/JGT/JGE/JSET, the X
// register, scratch memory, unknown arch values): every input on which two programs differ is
// reported, with the same ABI, number and actions, and every reported example reproduces.

import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls
import Testing

@testable import SeccomposeDiff

@Suite("diff of random programs")
struct RandomProgramTests {
    static let constants: [UInt32] = [0, 1, 2, 3, 8, 9, 0x10, 0xFF, 0x20000, 0x4000_0000, 0x4000_0001, 0xC000_003E, 0x4000_0003,
        0xC000_00B7, 0x1234, 59, 60, 0xFFFF_FFFF, 0x8000_0000]
    static let returns: [UInt32] = [0x7FFF_0000, 0x8000_0000, 0x0005_0001, 0x0005_000D, 0x0000_0000, 0x7FFC_0000]

    /// A random forward-jumping program of `length` instructions ending in a return.
    static func program(_ g: inout WordClassTests.Generator, length: Int) -> [BPFInstruction] {
        var p: [BPFInstruction] = []
        for i in 0..<length - 1 {
            let room = length - i - 2
            switch Int.random(in: 0..<10, using: &g) {
            case 0, 1, 2:
                p.append(BPF.loadAbsolute(UInt32(Int.random(in: 0..<16, using: &g) * 4)))
            case 3:
                p.append(BPF.andK(constants.randomElement(using: &g) ?? 0 | UInt32.random(in: 0...0xFF, using: &g)))
            case 4:
                // Through the X register and scratch memory.
                p.append([BPFInstruction(code: BPF.misc | BPF.tax), BPFInstruction(code: BPF.st, k: 3),
                    BPFInstruction(code: BPF.ld | BPF.mem, k: 3)].randomElement(using: &g) ?? BPFInstruction(code: BPF.misc | BPF.tax))
            case 5:
                p.append(BPF.returnValue(returns.randomElement(using: &g) ?? 0))
            default:
                let op = [BPF.jeq, BPF.jgt, BPF.jge, BPF.jset].randomElement(using: &g) ?? BPF.jeq
                let jt = UInt8(Int.random(in: 0...min(room, 6), using: &g)), jf = UInt8(Int.random(in: 0...min(room, 6), using: &g))
                p.append(BPF.jump(op, constants.randomElement(using: &g) ?? 0, jt: jt, jf: jf))
            }
        }
        p.append(BPF.returnValue(returns.randomElement(using: &g) ?? 0))
        return p
    }

    /// `p` with one constant or return changed.
    static func mutated(_ p: [BPFInstruction], _ g: inout WordClassTests.Generator) -> [BPFInstruction] {
        var q = p
        let candidates = q.indices.filter { q[$0].code & 0x07 == BPF.jmp || q[$0].code & 0x07 == BPF.ret }
        guard let i = candidates.randomElement(using: &g) else { return q }
        if q[i].code & 0x07 == BPF.ret {
            q[i].k = returns.randomElement(using: &g) ?? 0
        } else {
            q[i].k = constants.randomElement(using: &g) ?? 0
        }
        return q
    }

    @Test("random pairs: every sampled difference is reported and every report reproduces", arguments: 0..<3)
    func randomPairs(seed: Int) throws {
        var g = WordClassTests.Generator(state: 0x5EED_0000 &+ UInt64(seed))
        for _ in 0..<8 {
            let a = Self.program(&g, length: Int.random(in: 6...24, using: &g))
            let b = Bool.random(using: &g) ? Self.mutated(a, &g) : Self.mutated(Self.mutated(a, &g), &g)
            let old = FilterStack(label: "a", programs: [Program(a)])
            // Sometimes a stack: b on top of a.
            let new = FilterStack(label: "b", programs: Bool.random(using: &g) ? [Program(b)] : [Program(a), Program(b)])
            let d = try FilterComparison.compare(old, new)
            for c in d.changes {
                guard let abi = Architecture(rawValue: c.abi) else { continue }
                let data = SeccompData(abi: abi, number: Int(c.firstNumber), args: c.example, instructionPointer: c.instructionPointer ?? 0)
                #expect(try old.action(data).description == c.old, "\(c) with \(a)")
                #expect(try new.action(data).description == c.new, "\(c) with \(a) / \(b)")
            }
            for _ in 0..<300 {
                let arch = [Architecture.x86_64.auditArch, Architecture.x86.auditArch, Architecture.aarch64.auditArch, 0x1234,
                    UInt32.random(in: 0...UInt32.max, using: &g)].randomElement(using: &g) ?? 0
                let nr = Bool.random(using: &g) ? (Self.constants.randomElement(using: &g) ?? 0) &+ UInt32.random(in: 0...1, using: &g)
                    : UInt32.random(in: 0...600, using: &g)
                let args = (0..<6).map { _ -> UInt64 in
                    let lo = UInt64(Self.constants.randomElement(using: &g) ?? 0) &+ UInt64.random(in: 0...1, using: &g)
                    return Bool.random(using: &g) ? lo & 0xFFFF_FFFF : lo | UInt64(Self.constants.randomElement(using: &g) ?? 0) << 32
                }
                let abi = Evaluation.abi(auditArch: arch, number: nr)
                let data = SeccompData(nr: nr, arch: arch, args: args, littleEndian: abi?.isLittleEndian ?? true)
                let x = try old.action(data), y = try new.action(data)
                guard x != y else { continue }
                let name = abi?.name ?? "other"
                let reported = d.changes.contains { c in
                    c.abi == name && c.old == x.description && c.new == y.description
                        && (abi == nil || (c.firstNumber...c.lastNumber).contains(nr))
                }
                #expect(reported, "arch 0x\(String(arch, radix: 16)) nr \(nr) args \(args): \(x) -> \(y) not reported\n\(a)\n\(b)")
            }
        }
    }
}
