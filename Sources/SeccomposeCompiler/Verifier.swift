// Verifier.swift: the kernel's load-time checks.

import SeccomposeDiagnostics
import SeccomposeSyscalls

/// A rule of the kernel's that a program breaks.
public struct VerificationError: ReportableError, Sendable, Hashable {
    /// The instruction index, or nil for a whole-program problem.
    public var instruction: Int?
    /// The kernel rule the program breaks.
    public var message: String
    /// `instruction N: MESSAGE` (short, for use inside other messages).
    public var description: String { (instruction.map { "instruction \($0): " } ?? "") + message }
    /// The report every stage gives: the instruction in the message, and how to fix it.
    public var report: ErrorReport {
        ErrorReport(description, fix: "the kernel would refuse this program: compile it with Seccompose's compiler")
    }
}

/// Applies the kernel's checks for a seccomp filter (`bpf_check_classic` + `seccomp_check_filter`).
public enum Verifier {
    /// Throws the first violation: length 1…4096; only the opcodes seccomp allows; `LD|W|ABS`
    /// offsets 4-aligned and below 64; jumps forward and inside the program; no division by a
    /// constant 0; scratch slots below 16 and stored before loaded on every path; a `RET` last.
    public static func verify(_ p: [BPFInstruction]) throws(VerificationError) {
        guard !p.isEmpty, p.count <= BPF.maximumInstructions else {
            throw VerificationError(instruction: nil, message: "length \(p.count) is outside 1…\(BPF.maximumInstructions)")
        }
        for (pc, i) in p.enumerated() {
            func fail(_ m: String) -> VerificationError { VerificationError(instruction: pc, message: m) }
            let code = i.code
            switch code {
            case BPF.ld | BPF.w | BPF.abs:
                guard i.k % 4 == 0, i.k < 64 else { throw fail("load offset \(i.k) is not a 4-aligned offset below 64") }
            case BPF.ld | BPF.w | BPF.len, BPF.ldx | BPF.w | BPF.len, BPF.ld | BPF.imm, BPF.ldx | BPF.imm,
                BPF.misc | BPF.tax, BPF.misc | BPF.txa, BPF.ret | BPF.k, BPF.ret | BPF.a:
                break
            case BPF.ld | BPF.mem, BPF.ldx | BPF.mem, BPF.st, BPF.stx:
                guard i.k < 16 else { throw fail("scratch slot \(i.k) out of range") }
            case BPF.alu | BPF.neg:
                break
            case _ where code & 0x07 == BPF.alu:
                let op = code & 0xF0
                guard [BPF.add, BPF.sub, BPF.mul, BPF.div, BPF.and, BPF.or, BPF.xor, BPF.lsh, BPF.rsh].contains(op),
                    code & ~UInt16(0xF8) == BPF.alu
                else { throw fail("ALU opcode 0x\(String(code, radix: 16)) is not allowed in seccomp") }
                if op == BPF.div, code & BPF.x == 0, i.k == 0 { throw fail("division by the constant 0") }
            case BPF.jmp | BPF.ja:
                guard pc + 1 + Int(i.k) < p.count else { throw fail("JA jumps past the end") }
            case _ where code & 0x07 == BPF.jmp:
                guard [BPF.jeq, BPF.jgt, BPF.jge, BPF.jset].contains(code & 0xF0), code & ~UInt16(0xF8) == BPF.jmp else {
                    throw fail("jump opcode 0x\(String(code, radix: 16)) is not allowed")
                }
                guard pc + 1 + Int(i.jt) < p.count, pc + 1 + Int(i.jf) < p.count else {
                    throw fail("conditional jump past the end")
                }
            default:
                throw fail("opcode 0x\(String(code, radix: 16)) is not allowed in seccomp")
            }
        }
        guard let last = p.last, last.code & 0x07 == BPF.ret else {
            throw VerificationError(instruction: p.count - 1, message: "the last instruction is not a RET")
        }
        try checkScratchMemory(p)
    }

    /// Every path must store a scratch slot before loading it.
    static func checkScratchMemory(_ p: [BPFInstruction]) throws(VerificationError) {
        guard p.contains(where: { $0.code == BPF.ld | BPF.mem || $0.code == BPF.ldx | BPF.mem }) else { return }
        // valid[pc]: slots stored on every path reaching pc (intersection), forward dataflow.
        var valid = [UInt16?](repeating: nil, count: p.count)
        valid[0] = 0
        for pc in 0..<p.count {
            guard var v = valid[pc] else { continue }
            let i = p[pc]
            if i.code == BPF.ld | BPF.mem || i.code == BPF.ldx | BPF.mem, v & (1 << UInt16(i.k)) == 0 {
                throw VerificationError(instruction: pc, message: "scratch slot \(i.k) may be read before it is written")
            }
            if i.code == BPF.st || i.code == BPF.stx { v |= 1 << UInt16(i.k) }
            var succ: [Int] = []
            if i.code & 0x07 == BPF.ret {
            } else if i.code == BPF.jmp | BPF.ja {
                succ = [pc + 1 + Int(i.k)]
            } else if i.code & 0x07 == BPF.jmp {
                succ = [pc + 1 + Int(i.jt), pc + 1 + Int(i.jf)]
            } else {
                succ = [pc + 1]
            }
            for s in succ where s < p.count { valid[s] = valid[s].map { $0 & v } ?? v }
        }
    }
}
