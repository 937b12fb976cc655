// PredicateCollector.swift: every test a classic-BPF seccomp program can make on each input
// word, found by exploring the program with some words fixed and the others symbolic.

import SeccomposeCompiler

/// The tests a program makes on the words of `struct seccomp_data` (word i at offset 4·i:
/// 0 the number, 1 the arch, 2–3 the instruction pointer, 4–15 the arguments' halves).
///
/// The program is explored with some words given (e.g. the arch and the number) and the others
/// symbolic: every branch whose outcome depends on a symbolic word is followed both ways, so
/// the tests found are all tests any input with the given words can reach (and possibly a few
/// on paths no input reaches, which only make the partition finer). Exploration states
/// (instruction, registers, scratch memory) are visited once, so the work is bounded by the
/// program's size times the distinct register contents.
struct PredicateCollector {
    /// A register's content: a constant, or an input word under a mask.
    enum Value: Hashable {
        case constant(UInt32)
        case word(Int, mask: UInt32)
    }

    struct State: Hashable {
        var pc: Int
        var a: Value
        var x: Value
        var memory: [Value]
    }

    /// The tests found, per word index.
    private(set) var tests: [Int: Set<WordPredicate>] = [:]

    /// Explores `program` with the words in `given` fixed.
    ///
    /// - Throws: `DiffError` when the program computes on a symbolic word with anything but an
    ///   `AND` with a constant, compares two symbolic values, or returns a symbolic value (no
    ///   filter Seccompose, systemd, libseccomp or runc writes does).
    mutating func explore(_ program: [BPFInstruction], given: [Int: UInt32], programLabel: String) throws(DiffError) {
        var seen: Set<State> = []
        var pending: [State] = [State(pc: 0, a: .constant(0), x: .constant(0), memory: [])]
        func unsupported(_ pc: Int, _ what: String) -> DiffError {
            DiffError("\(programLabel): instruction \(pc) \(what); the diff cannot judge it exactly",
                fix: "compare filters that only compare seccomp_data words (after AND masks) with constants")
        }
        // Until the first fork there is one path, so no state can repeat: remember states only after.
        var forked = false
        while var s = pending.popLast() {
            while true {
                if forked { guard seen.insert(s).inserted else { break } }
                guard s.pc >= 0, s.pc < program.count else {
                    throw DiffError("\(programLabel): runs past its end at instruction \(s.pc)",
                        fix: "the program is not one the kernel accepts; verify it first")
                }
                let i = program[s.pc]
                let cls = i.code & 0x07
                var next = s.pc + 1
                switch cls {
                case BPF.ld, BPF.ldx:
                    var v: Value
                    switch i.code & 0xE0 {
                    case BPF.abs:
                        guard i.code & 0x18 == BPF.w, i.k % 4 == 0, i.k < 64 else {
                            throw unsupported(s.pc, "loads at offset \(i.k)")
                        }
                        let index = Int(i.k / 4)
                        v = given[index].map { .constant($0) } ?? .word(index, mask: .max)
                    case BPF.imm: v = .constant(i.k)
                    case BPF.mem:
                        guard i.k < 16 else { throw unsupported(s.pc, "reads scratch slot \(i.k)") }
                        v = s.memory.isEmpty ? .constant(0) : s.memory[Int(i.k)]
                    case BPF.len: v = .constant(64)
                    default: throw unsupported(s.pc, "uses load mode 0x\(String(i.code, radix: 16))")
                    }
                    if cls == BPF.ld { s.a = v } else { s.x = v }
                case BPF.st, BPF.stx:
                    guard i.k < 16 else { throw unsupported(s.pc, "writes scratch slot \(i.k)") }
                    if s.memory.isEmpty { s.memory = Array(repeating: .constant(0), count: 16) }
                    s.memory[Int(i.k)] = cls == BPF.st ? s.a : s.x
                case BPF.alu:
                    guard let v = alu(i, a: s.a, x: s.x) else { throw unsupported(s.pc, "computes on an input word") }
                    s.a = v
                case BPF.jmp:
                    let op = i.code & 0xF0
                    if op == BPF.ja {
                        next = s.pc + 1 + Int(i.k)
                        break
                    }
                    let operand: Value = i.code & BPF.x != 0 ? s.x : .constant(i.k)
                    let t = s.pc + 1 + Int(i.jt), f = s.pc + 1 + Int(i.jf)
                    switch (s.a, operand) {
                    case (.constant(let a), .constant(let k)):
                        let taken: Bool
                        switch op {
                        case BPF.jeq: taken = a == k
                        case BPF.jgt: taken = a > k
                        case BPF.jge: taken = a >= k
                        case BPF.jset: taken = a & k != 0
                        default: throw unsupported(s.pc, "is an unknown jump")
                        }
                        next = taken ? t : f
                    case (.word(let w, let mask), .constant(let k)), (.constant(let k), .word(let w, let mask)):
                        // `k op (word & mask)` makes the same partition as the mirrored test on the word.
                        let mirrored: Bool = { if case .constant = s.a { return true } else { return false } }()
                        let p: WordPredicate
                        switch op {
                        case BPF.jeq: p = WordPredicate(mask: mask, .equal, k)
                        case BPF.jgt: p = WordPredicate(mask: mask, mirrored ? .greaterOrEqual : .greater, k)  // k > v ⇔ !(v >= k)
                        case BPF.jge: p = WordPredicate(mask: mask, mirrored ? .greater : .greaterOrEqual, k)  // k >= v ⇔ !(v > k)
                        case BPF.jset: p = WordPredicate(mask: mask & k, .anyBitSet, 0)
                        default: throw unsupported(s.pc, "is an unknown jump")
                        }
                        // Both outcomes are followed: the false one later, from a copy of the state.
                        tests[w, default: []].insert(p)
                        var other = s
                        other.pc = f
                        pending.append(other)
                        forked = true
                        next = t
                    case (.word, .word):
                        throw unsupported(s.pc, "compares two input words")
                    }
                case BPF.ret:
                    if i.code & 0x18 == BPF.a, case .word = s.a { throw unsupported(s.pc, "returns an input word") }
                    next = -1
                case BPF.misc:
                    if i.code & 0xF8 == BPF.txa { s.a = s.x } else { s.x = s.a }
                default:
                    throw unsupported(s.pc, "has an unknown instruction class")
                }
                if next < 0 { break }
                s.pc = next
            }
        }
    }

    /// The accumulator after an ALU instruction, nil when it would compute on an input word
    /// other than by masking it.
    private func alu(_ i: BPFInstruction, a: Value, x: Value) -> Value? {
        let operand: Value = i.code & BPF.x != 0 ? x : .constant(i.k)
        let op = i.code & 0xF0
        switch (a, operand) {
        case (.constant(let a), .constant(let k)):
            switch op {
            case BPF.add: return .constant(a &+ k)
            case BPF.sub: return .constant(a &- k)
            case BPF.mul: return .constant(a &* k)
            case BPF.div: return k == 0 ? nil : .constant(a / k)
            case BPF.mod: return k == 0 ? nil : .constant(a % k)
            case BPF.or: return .constant(a | k)
            case BPF.and: return .constant(a & k)
            case BPF.lsh: return .constant(k >= 32 ? 0 : a << k)
            case BPF.rsh: return .constant(k >= 32 ? 0 : a >> k)
            case BPF.neg: return .constant(0 &- a)
            case BPF.xor: return .constant(a ^ k)
            default: return nil
            }
        case (.word(let w, let mask), .constant(let k)):
            switch op {
            case BPF.and: return .word(w, mask: mask & k)
            case BPF.or, BPF.add, BPF.sub, BPF.xor, BPF.lsh, BPF.rsh: return k == 0 ? a : nil
            case BPF.mul, BPF.div: return k == 1 ? a : nil
            default: return nil
            }
        default:
            return nil
        }
    }
}
