// SelfCheck.swift: after every compile, the program is run on every plausible syscall number of
// every ABI it judges and must decide exactly as the policy does (fail closed otherwise).
//
// Probed, per AUDIT_ARCH value the policy judges:
//   numbers 0…1023, base…base+1023 of each ABI with that value (MIPS bases, the x32 window
//   0x40000000…+1023 whenever x86-64 or x32 is judged), every number of the ABIs' syscall
//   tables and the one after it (ARM's private 0xF0000 calls), and the edges 0x3FFFFFFF,
//   0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF;
// per AUDIT_ARCH value it does not judge (and one no ABI has): 0, the base and 0xFFFFFFFF.
// Arguments are zero; where the policy decides by the number alone the program must not load an
// argument word either (so that one run stands for every argument value). Where the decision
// has argument rules, each rule's conditions are met together, then each compared argument takes
// the constant's neighbours, its other word, upper-half junk and sign extension (about ten
// values per condition). The work is linear in (numbers + conditions) × path length. The program
// is first walked once per range of numbers it tells apart (`numberRanges`): a probe in a range
// where it returns a constant reading only the number and arch is compared with that constant
// (the same answer as a run, without running it once per number); every other probe is run.
// The walk makes only the runs cheaper: it never accepts what a run would refuse.

import SeccomposePolicy
import SeccomposeSyscalls
import Synchronization

/// The compiler's check of its own output against the policy it implements.
public enum SelfCheck {
    /// One call on which a program and its policy disagree.
    public struct Difference: Sendable, Hashable, CustomStringConvertible {
        /// The ABI the kernel attributes the call to, nil for an `AUDIT_ARCH` value no ABI has.
        public var abi: Architecture?
        /// The `AUDIT_ARCH` value of the call.
        public var auditArch: UInt32
        /// The syscall number as the kernel presents it (x32 bit and MIPS base included).
        public var number: UInt32
        /// The arguments of the call.
        public var arguments: [UInt64]
        /// What the policy decides.
        public var expected: Action
        /// What the program returned (nil when it did not run to a return).
        public var actual: Action?
        /// Why the program did not run to a return, or why an equal action is still wrong (it
        /// read arguments for a call the policy decides by number alone).
        public var failure: String?

        /// The difference in words: ABI, number (decimal and hex), syscall, arguments, what the
        /// policy says and what the program does.
        public var description: String {
            let abiName = abi?.name ?? "AUDIT_ARCH 0x\(String(auditArch, radix: 16))"
            let name = abi.flatMap { SyscallTable.name(of: Int(number), on: $0) }.map { " (\($0))" } ?? ""
            let args = arguments.allSatisfy { $0 == 0 }
                ? "" : " with arguments [" + arguments.map { "0x" + String($0, radix: 16) }.joined(separator: ", ") + "]"
            let got: String
            switch (actual, failure) {
            case (let a?, let f?): got = "\(a), but \(f)"
            case (let a?, nil): got = "\(a)"
            case (nil, let f): got = "no decision (\(f ?? "the program did not return"))"
            }
            return "\(abiName) syscall \(number) (0x\(String(number, radix: 16)))\(name)\(args): the policy says \(expected), the program \(got)"
        }
    }

    /// Checks that `instructions` decide every probed call (see the file comment) as `policy`
    /// does, where `policy` is the policy the program implements (`Compiler.effectivePolicy`).
    ///
    /// - Throws: `CompileError` naming the ABI, number, arguments, expected and actual action
    ///   of the first difference.
    public static func verify(_ instructions: [BPFInstruction], implements policy: Policy) throws(CompileError) {
        if let d = firstDifference(instructions, policy) {
            throw CompileError(
                message: "internal error: the compiled program does not implement the policy: \(d)",
                fix: "nothing was written or installed; report this policy as a Seccompose bug "
                    + "(compiling the ABIs separately with --architectures may avoid it meanwhile)")
        }
    }

    /// The first probed call on which the program and the policy disagree, or nil.
    public static func firstDifference(_ instructions: [BPFInstruction], _ policy: Policy) -> Difference? {
        var covered: [UInt32] = []
        for abi in policy.architectures where !covered.contains(abi.auditArch) { covered.append(abi.auditArch) }
        var data = SeccompData(nr: 0, arch: 0)
        for audit in covered {
            let family = Architecture.allCases.filter { $0.auditArch == audit }
            // One evaluator per ABI of the family, and each ABI's names looked up in bulk.
            let evaluators = family.map { Policy.Evaluator(policy, abi: $0) }
            let nameTables = family.map { names(on: $0) }
            // Per ABI, what the policy returns for its numbers decided by number alone: for the
            // named numbers in ascending order (nil: decided by arguments), and for the others.
            var named: [[(nr: UInt32, value: UInt32?)]] = []
            var unnamed: [UInt32] = []
            for (k, abi) in family.enumerated() {
                let judged = policy.architectures.contains(abi)
                let decisions = judged ? policy.decisions(for: abi) : [:]
                var table: [(nr: UInt32, value: UInt32?)] = []
                table.reserveCapacity(nameTables[k].count)
                for (nr, name) in nameTables[k] {
                    guard judged else {
                        table.append((nr, policy.otherArchitectureAction.returnValue))
                        continue
                    }
                    let d = decisions[name]
                    table.append((nr, d.map { $0.rules.isEmpty ? $0.action.returnValue : nil } ?? policy.defaultAction.returnValue))
                }
                table.sort { $0.nr < $1.nr }
                named.append(table)
                unnamed.append(judged ? policy.defaultAction.returnValue : policy.otherArchitectureAction.returnValue)
            }
            var cursor = [Int](repeating: 0, count: family.count)
            data.arch = audit
            data.littleEndian = audit & 0x4000_0000 != 0
            // What the program does with each range of numbers (probes ascend, so one pointer).
            let ranges = numberRanges(instructions, auditArch: audit)
            var r = 0
            for nr in probeNumbers(family) {
                guard let abi = Evaluation.abi(auditArch: audit, number: nr), let k = family.firstIndex(of: abi) else { continue }
                while r + 1 < ranges.count, ranges[r + 1].start <= nr { r += 1 }
                // The program returns a constant for every number of the range, reading only the
                // number and arch: where the policy decides the number alone with that action,
                // this call agrees (the run below would say the same, one call at a time).
                if let value = ranges[r].returns {
                    while cursor[k] < named[k].count, named[k][cursor[k]].nr < nr { cursor[k] += 1 }
                    let expected = cursor[k] < named[k].count && named[k][cursor[k]].nr == nr ? named[k][cursor[k]].value : unnamed[k]
                    if expected == value { continue }
                }
                data.nr = nr
                for i in 0..<6 { data.args[i] = 0 }
                let evaluation = evaluators[k].evaluate(number: Int(nr), name: nameTables[k][nr], arguments: data.args)
                if let d = check(instructions, evaluation, &data) { return d }
            }
        }
        // AUDIT_ARCH values the policy does not judge, and one that no ABI has.
        var others: [(UInt32, Int)] = Architecture.allCases.filter { !covered.contains($0.auditArch) }
            .map { ($0.auditArch, $0.syscallBase) }
        others.append((0, 0))
        for (audit, base) in others {
            data.arch = audit
            data.littleEndian = audit & 0x4000_0000 != 0
            for nr in [0, UInt32(base), 0xFFFF_FFFF] {
                data.nr = nr
                for i in 0..<6 { data.args[i] = 0 }
                let evaluation = policy.evaluate(auditArch: audit, number: nr, arguments: data.args)
                if let d = check(instructions, evaluation, &data) { return d }
            }
        }
        return nil
    }

    /// The program's outcome per range of syscall numbers for one `AUDIT_ARCH` value, found by
    /// running it once per range: ascending starts covering 0…0xFFFFFFFF, each with the value
    /// the program returns for every number from it to the next start having loaded only the
    /// number and arch, or nil (it loads another word, or does what this walk does not model).
    static func numberRanges(_ p: [BPFInstruction], auditArch: UInt32) -> [(start: UInt32, returns: UInt32?)] {
        var out: [(start: UInt32, returns: UInt32?)] = []
        // (pc, lowest and highest number, whether the accumulator holds the number or arch).
        var stack: [(pc: Int, lo: UInt32, hi: UInt32, holdsNumber: Bool)] = [(0, 0, .max, false)]
        var steps = 0
        while let (start, lo, hi, holds) = stack.popLast() {
            var pc = start, holdsNumber = holds
            var returns: UInt32?
            var split = false
            walk: while pc < p.count, steps < 1 << 16 {
                steps += 1
                let i = p[pc]
                switch i.code {
                case BPF.ld | BPF.w | BPF.abs where i.k == BPF.offsetNr || i.k == BPF.offsetArch:
                    holdsNumber = i.k == BPF.offsetNr
                    pc += 1
                case BPF.jmp | BPF.ja:
                    pc += 1 + Int(i.k)
                case BPF.ret | BPF.k:
                    returns = i.k
                    break walk
                case BPF.jmp | BPF.jeq | BPF.k, BPF.jmp | BPF.jgt | BPF.k, BPF.jmp | BPF.jge | BPF.k:
                    let op = i.code & 0xF0
                    let taken = pc + 1 + Int(i.jt), notTaken = pc + 1 + Int(i.jf)
                    guard holdsNumber else {
                        let a = auditArch
                        pc = (op == BPF.jeq ? a == i.k : op == BPF.jgt ? a > i.k : a >= i.k) ? taken : notTaken
                        continue
                    }
                    // The numbers that take the jump: [first, last] (empty when first > last).
                    let first: UInt64 = op == BPF.jgt ? UInt64(i.k) + 1 : UInt64(i.k)
                    let last: UInt64 = op == BPF.jeq ? UInt64(i.k) : UInt64(UInt32.max)
                    let tLo = max(UInt64(lo), first), tHi = min(UInt64(hi), last)
                    guard tLo <= tHi else {
                        pc = notTaken
                        continue
                    }
                    // Below and above the taken part: not taken (above only for JEQ). Pushed
                    // highest first, so that ranges are finished in ascending order.
                    if tHi < UInt64(hi) { stack.append((notTaken, UInt32(tHi + 1), hi, true)) }
                    stack.append((taken, UInt32(tLo), UInt32(tHi), true))
                    if tLo > UInt64(lo) { stack.append((notTaken, lo, UInt32(tLo - 1), true)) }
                    split = true
                    break walk
                default:
                    break walk
                }
            }
            // A range split by a test is on the stack again, in parts; a finished one is recorded.
            if !split { out.append((lo, returns)) }
        }
        // Ascending by construction; checked, since the probes are matched to ranges in order.
        for k in out.indices.dropFirst() where out[k - 1].start >= out[k].start {
            out.sort { $0.start < $1.start }
            break
        }
        return out
    }

    /// The numbers probed per `AUDIT_ARCH` value (they depend on the tables only), made once.
    static let probeCache = Mutex<[UInt32: [UInt32]]>([:])

    /// The numbers probed for the ABIs sharing one `AUDIT_ARCH` value, ascending, distinct.
    static func probeNumbers(_ family: [Architecture]) -> [UInt32] {
        guard let audit = family.first?.auditArch else { return [] }
        if let hit = probeCache.withLock({ $0[audit] }) { return hit }
        let made = makeProbeNumbers(family)
        probeCache.withLock { $0[audit] = made }
        return made
    }

    static func makeProbeNumbers(_ family: [Architecture]) -> [UInt32] {
        var numbers: [UInt32] = Array(0...1023)
        numbers += [0x3FFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF]
        for abi in family {
            let base = UInt32(abi.syscallBase)
            if base != 0 { numbers += (0...1023).map { base + $0 } }
            for (_, n) in SyscallTable.syscalls(on: abi) {
                numbers.append(UInt32(truncatingIfNeeded: n))
                numbers.append(UInt32(truncatingIfNeeded: n + 1))
            }
        }
        numbers.sort()
        var out: [UInt32] = []
        out.reserveCapacity(numbers.count)
        for n in numbers where out.last != n { out.append(n) }
        return out
    }

    /// Each ABI's syscall names by number (base included), made once per ABI.
    static let nameCache = Mutex<[Architecture: [UInt32: String]]>([:])

    static func names(on abi: Architecture) -> [UInt32: String] {
        if let hit = nameCache.withLock({ $0[abi] }) { return hit }
        var made: [UInt32: String] = [:]
        for (name, n) in SyscallTable.syscalls(on: abi) { made[UInt32(truncatingIfNeeded: n)] = name }
        nameCache.withLock { $0[abi] = made }
        return made
    }

    /// Runs the call in `data` (arguments zero), whose policy evaluation is `evaluation`, then
    /// the argument samples its decision's rules need, and compares.
    static func check(_ program: [BPFInstruction], _ evaluation: Evaluation, _ data: inout SeccompData) -> Difference? {
        guard let abi = evaluation.abi, let decision = evaluation.decision, !decision.rules.isEmpty else {
            // The policy decides without looking at arguments: so must the program, and then
            // this one run stands for every argument value.
            return compare(program, data, evaluation.action, evaluation.abi, argumentFree: true)
        }
        if let d = compare(program, data, evaluation.action, abi, argumentFree: false) { return d }
        let firstMatch = FirstMatch(decision, argumentBits: abi.argumentBits)
        var found: Difference?
        var scratch = [UInt64](repeating: 0, count: 6)
        forEachArgumentSample(decision.rules, into: &scratch) { args in
            for i in 0..<6 { data.args[i] = args[i] }
            found = compare(program, data, firstMatch.action(args), abi, argumentFree: false)
            return found == nil
        }
        return found
    }

    /// Runs the program on `data`; a difference when it returns something else than `expected`,
    /// or (`argumentFree`) reads more than the number and arch for a call the policy decides alone.
    static func compare(_ program: [BPFInstruction], _ data: SeccompData, _ expected: Action, _ abi: Architecture?,
        argumentFree: Bool) -> Difference?
    {
        do {
            let r = try Simulator.run(program, data)
            if r.returnValue == expected.returnValue, !(argumentFree && r.readBeyondNumberAndArch) { return nil }
            return Difference(abi: abi, auditArch: data.arch, number: data.nr, arguments: data.args, expected: expected,
                actual: r.action,
                failure: r.returnValue == expected.returnValue
                    ? "it reads argument words although the policy decides the call by its number alone" : nil)
        } catch {
            return Difference(abi: abi, auditArch: data.arch, number: data.nr, arguments: data.args, expected: expected,
                actual: nil, failure: error.description)
        }
    }

    /// Argument vectors for a decision's rules: for each rule, its conditions met together
    /// (as far as one value per argument allows), then each condition's argument varied over
    /// `values(for:)` with the rule's other arguments kept. Bounded: at most about ten vectors
    /// per condition. Each is built in `buffer` (six words) and passed to `body`, without an
    /// array per vector; iteration stops when `body` returns false.
    static func forEachArgumentSample(_ rules: [Rule], into buffer: inout [UInt64], _ body: ([UInt64]) -> Bool) {
        var base = [UInt64](repeating: 0, count: 6)
        for rule in rules {
            for i in 0..<6 { base[i] = 0 }
            for c in rule.conditions where (0...5).contains(c.index) { base[c.index] = c.value }
            for i in 0..<6 { buffer[i] = base[i] }
            guard body(buffer) else { return }
            for c in rule.conditions where (0...5).contains(c.index) {
                for v in values(for: c) {
                    buffer[c.index] = v
                    guard body(buffer) else { return }
                }
                buffer[c.index] = base[c.index]
            }
        }
    }

    /// Values around a condition's constant: the constant and its neighbours, its words swapped
    /// into the other half, upper-half junk on the low word, the low word sign-extended, and for
    /// masked comparisons the constant with the bits outside and one bit inside the mask changed.
    static func values(for c: ArgumentCondition) -> [UInt64] {
        let v = c.value
        let low = v & 0xFFFF_FFFF
        // Equality: the constant itself is in the rule's base vector; its neighbours and other
        // words tell whether both halves (or only the compared one) are tested.
        if c.op == .equal || c.op == .notEqual {
            return [v &+ 1, v ^ 0x1_0000_0000, low | 0xFFFF_FFFF_0000_0000, UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))]
        }
        var out: [UInt64] = [v &- 1, v &+ 1, low, low | 0xFFFF_FFFF_0000_0000, low | 0x1_0000_0000,
            v ^ 0x8000_0000_0000_0000, UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))]
        if c.op == .maskedEqual {
            let m = c.mask
            out.append(v & m)
            out.append((v & m) | ~m)
            if m != 0 { out.append(v ^ (m & (~m &+ 1))) }  // the mask's lowest bit flipped
        }
        return out
    }
}
