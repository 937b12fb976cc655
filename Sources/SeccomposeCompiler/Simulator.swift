// Simulator.swift: a classic-BPF interpreter over struct seccomp_data.

import SeccomposeDiagnostics
import SeccomposePolicy
import SeccomposeSyscalls

/// The outcome of running a program.
public struct SimulationResult: Sendable, Hashable {
    /// The 32-bit value the program returned.
    public var returnValue: UInt32
    /// How many instructions ran.
    public var instructionsExecuted: Int
    /// The `seccomp_data` words the program loaded: bit i for the word at offset 4·i (bit 0 the
    /// number, bit 1 the arch, bits 2-3 the instruction pointer, bits 4-15 the arguments).
    public var wordsRead: UInt16 = 0

    /// The step (1-based) of the first load of an argument word, 0 when none was loaded: the
    /// instructions from there to the return are the call's argument tests.
    public var firstArgumentLoad = 0

    /// Whether the program loaded an argument or instruction-pointer word (not only nr and arch).
    public var readBeyondNumberAndArch: Bool { wordsRead & ~0b11 != 0 }

    /// The action the kernel takes for `returnValue` (unknown actions kill the process).
    public var action: Action { Action(returnValue: returnValue) }
}

/// Why a program could not run to a return.
public struct SimulationError: ReportableError, Sendable, Hashable {
    /// The index of the instruction that could not run.
    public var instruction: Int
    /// What went wrong.
    public var message: String
    /// `instruction N: MESSAGE` (short, for use inside other messages).
    public var description: String { "instruction \(instruction): \(message)" }
    /// The report every stage gives: the instruction in the message, and how to fix it.
    public var report: ErrorReport {
        ErrorReport(description, fix: "the program is not one the kernel would accept; verify it (Verifier.verify) first")
    }
}

/// Runs classic-BPF seccomp programs.
public enum Simulator {
    /// Runs `program` on `data`, as the kernel would after accepting it.
    public static func run(_ program: [BPFInstruction], _ data: SeccompData) throws(SimulationError) -> SimulationResult {
        try resume(program, data, from: State())
    }

    /// Where a run is: before the instruction at `pc`, with these registers, steps taken and
    /// words read, and no scratch memory written (a run that writes it is never stopped).
    struct State {
        var pc = 0
        var a: UInt32 = 0
        var x: UInt32 = 0
        var steps = 0
        var read: UInt16 = 0
    }

    /// Runs `program` on `data` until it returns, or (`stopAtArgument`) until it is about to load
    /// an argument word without having written scratch memory: then nil, with `state` where the
    /// run stopped. Up to that load the run has read only the number, arch and instruction
    /// pointer, so every call that differs from `data` in its arguments only reaches the same
    /// state, and `resume(_:_:from:)` from there returns what `run` would (the self-check's
    /// argument samples of one call share the path to their first argument load this way).
    static func runToFirstArgument(_ program: [BPFInstruction], _ data: SeccompData, _ state: inout State)
        throws(SimulationError) -> SimulationResult?
    {
        state = State()
        return try execute(program, data, &state, stopAtArgument: true)
    }

    /// Runs `program` on `data` from `state` (where `runToFirstArgument` stopped on a call that
    /// differs from `data` in its arguments only) to its return: `run(program, data)`'s result.
    static func resume(_ program: [BPFInstruction], _ data: SeccompData, from state: State) throws(SimulationError)
        -> SimulationResult
    {
        var s = state
        guard let r = try execute(program, data, &s, stopAtArgument: false) else {
            throw SimulationError(instruction: s.pc, message: "internal error: the run stopped")
        }
        return r
    }

    @inline(__always) static func execute(_ program: [BPFInstruction], _ data: SeccompData, _ state: inout State,
        stopAtArgument: Bool) throws(SimulationError) -> SimulationResult?
    {
        var a = state.a, x = state.x
        // Scratch memory, allocated on the first store (the compiler's programs never use it).
        var mem: [UInt32] = []
        var pc = state.pc
        var steps = state.steps
        var read = state.read
        // (A resumed run starts at its first argument load: none has been made before.)
        var firstArgument = 0
        while pc < program.count {
            let i = program[pc]
            if stopAtArgument, i.k >= 16, i.code & 0x07 == BPF.ld || i.code & 0x07 == BPF.ldx, i.code & 0xE0 == BPF.abs,
                mem.isEmpty
            {
                state = State(pc: pc, a: a, x: x, steps: steps, read: read)
                return nil
            }
            steps += 1
            // The shapes the compiler emits, decided first (the self-check runs thousands of calls).
            switch i.code {
            case BPF.ld | BPF.w | BPF.abs:
                if let w = data.word(at: i.k) {
                    a = w
                    read |= 1 << (i.k / 4)
                    if i.k >= 16, firstArgument == 0 { firstArgument = steps }
                    pc += 1
                    continue
                }
            case BPF.jmp | BPF.jeq | BPF.k:
                pc += 1 + Int(a == i.k ? i.jt : i.jf)
                continue
            case BPF.jmp | BPF.jge | BPF.k:
                pc += 1 + Int(a >= i.k ? i.jt : i.jf)
                continue
            case BPF.jmp | BPF.jgt | BPF.k:
                pc += 1 + Int(a > i.k ? i.jt : i.jf)
                continue
            case BPF.ret | BPF.k:
                return SimulationResult(returnValue: i.k, instructionsExecuted: steps, wordsRead: read, firstArgumentLoad: firstArgument)
            default:
                break
            }
            func fail(_ m: String) -> SimulationError { SimulationError(instruction: pc, message: m) }
            let cls = i.code & 0x07
            switch cls {
            case BPF.ld, BPF.ldx:
                let mode = i.code & 0xE0
                var v: UInt32
                switch mode {
                case BPF.abs:
                    guard i.code & 0x18 == BPF.w, let w = data.word(at: i.k) else { throw fail("bad load at offset \(i.k)") }
                    v = w
                    read |= 1 << (i.k / 4)
                    if i.k >= 16, firstArgument == 0 { firstArgument = steps }
                case BPF.imm: v = i.k
                case BPF.mem:
                    guard i.k < 16 else { throw fail("scratch slot \(i.k) out of range") }
                    v = mem.isEmpty ? 0 : mem[Int(i.k)]
                case BPF.len: v = 64
                default: throw fail("unsupported load mode 0x\(String(i.code, radix: 16))")
                }
                if cls == BPF.ld { a = v } else { x = v }
            case BPF.st, BPF.stx:
                guard i.k < 16 else { throw fail("scratch slot out of range") }
                if mem.isEmpty { mem = [UInt32](repeating: 0, count: 16) }
                mem[Int(i.k)] = cls == BPF.st ? a : x
            case BPF.alu:
                let operand = i.code & BPF.x != 0 ? x : i.k
                switch i.code & 0xF0 {
                case BPF.add: a = a &+ operand
                case BPF.sub: a = a &- operand
                case BPF.mul: a = a &* operand
                case BPF.div:
                    guard operand != 0 else { return SimulationResult(returnValue: 0, instructionsExecuted: steps, wordsRead: read, firstArgumentLoad: firstArgument) }
                    a /= operand
                case BPF.or: a |= operand
                case BPF.and: a &= operand
                case BPF.lsh: a = operand >= 32 ? 0 : a << operand
                case BPF.rsh: a = operand >= 32 ? 0 : a >> operand
                case BPF.neg: a = 0 &- a
                case BPF.xor: a ^= operand
                default: throw fail("unsupported ALU op")
                }
            case BPF.jmp:
                let op = i.code & 0xF0
                if op == BPF.ja {
                    pc += 1 + Int(i.k)
                    continue
                }
                let operand = i.code & BPF.x != 0 ? x : i.k
                let taken: Bool
                switch op {
                case BPF.jeq: taken = a == operand
                case BPF.jgt: taken = a > operand
                case BPF.jge: taken = a >= operand
                case BPF.jset: taken = a & operand != 0
                default: throw fail("unsupported jump")
                }
                pc += 1 + Int(taken ? i.jt : i.jf)
                continue
            case BPF.ret:
                let v = i.code & 0x18 == BPF.a ? a : i.k
                return SimulationResult(returnValue: v, instructionsExecuted: steps, wordsRead: read, firstArgumentLoad: firstArgument)
            case BPF.misc:
                if i.code & 0xF8 == BPF.txa { a = x } else { x = a }
            default:
                throw fail("unknown instruction class")
            }
            pc += 1
        }
        throw SimulationError(instruction: pc, message: "ran past the end of the program")
    }

    /// Runs a stack of programs (installation order) and combines the results as the kernel
    /// does: the most restrictive action wins; on a tie, the most recently installed one.
    public static func runStack(_ programs: [[BPFInstruction]], _ data: SeccompData) throws(SimulationError)
        -> SimulationResult
    {
        var best: SimulationResult?
        var total = 0
        for p in programs.reversed() {  // newest first, as the kernel walks them
            let r = try run(p, data)
            total += r.instructionsExecuted
            if let b = best {
                if Int32(bitPattern: r.returnValue & 0xFFFF_0000) < Int32(bitPattern: b.returnValue & 0xFFFF_0000) { best = r }
            } else {
                best = r
            }
        }
        guard var result = best else { return SimulationResult(returnValue: 0x7FFF_0000, instructionsExecuted: 0) }
        result.instructionsExecuted = total
        return result
    }
}

extension Action {
    /// The action the kernel takes for a filter's return value.
    public init(returnValue v: UInt32) {
        let data = UInt16(v & 0xFFFF)
        switch v & 0xFFFF_0000 {
        case 0x8000_0000: self = .killProcess
        case 0x0000_0000: self = .killThread
        case 0x0003_0000: self = .trap(data)
        case 0x0005_0000: self = .errno(min(data, 4095))
        case 0x7FC0_0000: self = .userNotif
        case 0x7FF0_0000: self = .trace(data)
        case 0x7FFC_0000: self = .log
        case 0x7FFF_0000: self = .allow
        default: self = .killProcess  // unknown actions kill the process
        }
    }
}
