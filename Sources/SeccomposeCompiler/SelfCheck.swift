// SelfCheck.swift: after every compile, the program is compared with the policy on every syscall
// number of every ABI it judges, and must decide exactly as the policy does (fail closed otherwise).
//
// The program is first walked once per AUDIT_ARCH value with the number as an interval
// (`numberRanges`): each test of the number splits the interval, so the walk ends with the
// ranges of numbers the program tells apart, each with the value it returns for every number
// of the range having read only the number and arch, or nil (it reads another word, or does
// what the walk does not model). The policy's side is read per ABI from its decisions (each
// entry's return value, or "by arguments", read from the decision itself when the compiler
// resolves the tables' names to ids, beside and not from the kinds the passes use; a run reads
// the decision by name):
//   a range with a constant is compared with the policy on every number it holds (all 2^32
//   numbers, for every AUDIT_ARCH value the policy judges and every other ABI's): each syscall
//   of the ABI's table in it by its decision, the numbers between them by the default (or the
//   other-ABI) action. A syscall the policy decides by arguments, and every disagreement, is
//   then run (below), so that a difference is reported as the program runs it.
//   In a range without a constant the plausible numbers are run: 0…1023, base…base+1023 of
//   each ABI with that value (MIPS bases, the x32 window 0x40000000…+1023 whenever x86-64 or
//   x32 is judged), every number of the ABIs' syscall tables and the one after it (ARM's
//   private 0xF0000 calls), and the edges 0x3FFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE,
//   0xFFFFFFFF; for AUDIT_ARCH values the policy does not judge (and 0, which no ABI has): 0,
//   the ABI's base and 0xFFFFFFFF.
// A run has zero arguments; where the policy decides by the number alone the program must not
// load an argument word either (so that one run stands for every argument value). Where the
// decision has argument rules, each rule's conditions are met together, then each compared
// argument takes the constant's neighbours, its other word, upper-half junk and sign extension
// (about ten values per condition); calls that reach one argument sub-program with a decision
// that decides alike share the samples' runs (`PassedSamples`). The work is linear in ranges +
// table entries, plus (conditions × path length) for the runs.

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

    /// Checks that `instructions` decide every call (see the file comment) as `policy`
    /// does, where `policy` is the policy the program implements (`Compiler.effectivePolicy`).
    ///
    /// - Throws: `CompileError` naming the ABI, number, arguments, expected and actual action
    ///   of the first difference.
    public static func verify(_ instructions: [BPFInstruction], implements policy: Policy) throws(CompileError) {
        var walk = Walk()
        let judged = JudgedTables(unjudged: policy)
        try verify(instructions, implements: judged, entries: Compiler.resolvedEntries(judged), walk: &walk)
    }

    /// `verify(_:implements:)` for the policy whose tables are `policy` (its decisions read from
    /// them, by name and by table position), with its names already resolved and the program's
    /// walks (of these `instructions`) shared with the compiler's cache check.
    static func verify(_ instructions: [BPFInstruction], implements policy: JudgedTables, entries: Compiler.Entries,
        walk: inout Walk) throws(CompileError)
    {
        if let d = firstDifference(instructions, policy, entries: entries, walk: &walk) {
            throw CompileError(
                message: "internal error: the compiled program does not implement the policy: \(d)",
                fix: "nothing was written or installed; report this policy as a Seccompose bug "
                    + "(compiling the ABIs separately with --architectures may avoid it meanwhile)")
        }
    }

    /// The first call found on which the program and the policy disagree, or nil.
    public static func firstDifference(_ instructions: [BPFInstruction], _ policy: Policy) -> Difference? {
        var walk = Walk()
        let judged = JudgedTables(unjudged: policy)
        return firstDifference(instructions, judged, entries: Compiler.resolvedEntries(judged), walk: &walk)
    }

    /// What a program returns for one range of numbers: from `start` to the next range's start.
    struct NumberRange {
        var start: UInt32
        /// The value returned for every number of the range having read only the number and
        /// arch, or nil (the program reads another word there, or does what the walk does not model).
        var returns: UInt32?
    }

    /// The program's walks (`numberRanges`), made once per `AUDIT_ARCH` value, for one program.
    struct Walk {
        var made: [(audit: UInt32, ranges: [NumberRange])] = []
        var stack: [(pc: Int, lo: UInt32, hi: UInt32, holdsNumber: Bool, value: UInt32)] = []

        /// The ranges of `p` for `auditArch` (the same `p` on every call).
        mutating func ranges(_ p: [BPFInstruction], auditArch: UInt32) -> [NumberRange] {
            for m in made where m.audit == auditArch { return m.ranges }
            var r = numberRanges(p, auditArch: auditArch, stack: &stack)
            // They start at 0 and ascend strictly by construction; were they not to, every
            // number would be run (fail closed).
            if r.first?.start != 0 || r.indices.dropFirst().contains(where: { r[$0 - 1].start >= r[$0].start }) {
                r = [NumberRange(start: 0, returns: nil)]
            }
            made.append((auditArch, r))
            return r
        }
    }

    static func firstDifference(_ instructions: [BPFInstruction], _ tables: JudgedTables, entries: Compiler.Entries,
        walk: inout Walk) -> Difference?
    {
        let policy = tables.source
        var covered: [UInt32] = []
        for abi in policy.architectures where !covered.contains(abi.auditArch) { covered.append(abi.auditArch) }
        let defaultValue = UInt64(policy.defaultAction.returnValue)
        let otherValue = UInt64(policy.otherArchitectureAction.returnValue)
        let byArguments = Compiler.Entries.byArguments  // an expected value: decided by the arguments
        var data = SeccompData(nr: 0, arch: 0)
        var evaluators: [Policy.Evaluator] = []
        var passed: [PassedSamples] = []

        // Runs one call with zero arguments (then the argument samples its rules need): the
        // difference, or, when the walk found one here (`walked`), a difference anyway.
        func run(_ nr: UInt32, _ abi: Architecture?, walked: UInt32?) -> Difference? {
            data.nr = nr
            for i in 0..<6 { data.args[i] = 0 }
            // The call as the kernel attributes it (`abi`, or for an AUDIT_ARCH value no judged
            // ABI has, whichever ABI has it), judged by the policy's evaluator over the tables.
            let attributed = abi ?? Evaluation.abi(auditArch: data.arch, number: nr)
            let evaluation: Evaluation
            if let attributed {
                let evaluator: Policy.Evaluator
                if let e = evaluators.first(where: { $0.abi == attributed }) {
                    evaluator = e
                } else {
                    evaluator = Policy.Evaluator(tables, abi: attributed)
                    evaluators.append(evaluator)
                }
                evaluation = evaluator.evaluate(number: Int(nr), name: SyscallTable.name(of: Int(nr), on: attributed),
                    arguments: data.args)
            } else {
                evaluation = policy.evaluate(auditArch: data.arch, number: nr, arguments: data.args)
            }
            if let d = check(instructions, evaluation.action, attributed, evaluation.decision, &data, passed: &passed) { return d }
            guard let walked else { return nil }
            // The walk and the run disagree: one of them is wrong, so the program is not trusted.
            return Difference(abi: attributed, auditArch: data.arch, number: nr, arguments: data.args,
                expected: evaluation.action, actual: Action(returnValue: walked),
                failure: "only by the walk over ranges of numbers: a run of this call agrees with the policy "
                    + "(the walk or the simulator is wrong, so the program is not trusted)")
        }
        // Runs the plausible numbers (`probes`, ascending) in lo...hi.
        func runProbes(_ probes: [UInt32], _ lo: UInt32, _ hi: UInt32, _ abi: Architecture?) -> Difference? {
            var i = NumberOrder.lowerBound(probes, lo)
            while i < probes.count, probes[i] <= hi {
                if let d = run(probes[i], abi, walked: nil) { return d }
                i += 1
            }
            return nil
        }

        for audit in covered {
            let family = Architecture.allCases.filter { $0.auditArch == audit }
            let ranges = walk.ranges(instructions, auditArch: audit)
            data.arch = audit
            data.littleEndian = audit & 0x4000_0000 != 0
            var probes: [UInt32]?
            // The numbers of each ABI with this value (x86-64's: x32 above the x32 bit but -1).
            var pieces: [(lo: UInt32, hi: UInt32)] = [(0, .max)]
            if audit == Architecture.x86_64.auditArch {
                pieces = [(0, Architecture.x32SyscallBit - 1), (Architecture.x32SyscallBit, 0xFFFF_FFFE), (0xFFFF_FFFF, 0xFFFF_FFFF)]
            }
            for (plo, phi) in pieces {
                guard let abi = Evaluation.abi(auditArch: audit, number: plo),
                    Evaluation.abi(auditArch: audit, number: phi) == abi
                else { continue }
                let judged = policy.architectures.contains(abi)
                // The policy's value per number of the ABI's table, by rank.
                let order = judged ? NumberOrder.of(abi) : nil
                let numbers = order?.numbers ?? []
                var expected: [UInt64] = []
                let first = NumberOrder.lowerBound(numbers, plo)
                if first < numbers.count, numbers[first] <= phi {
                    expected = [UInt64](repeating: defaultValue, count: numbers.count)
                    let ranks = order?.rankByID ?? []
                    let table = entries[abi]
                    // The value of each entry of the table, read from its decision when the
                    // table was resolved.
                    let values = table.returns
                    for (k, id) in table.ids.enumerated() {
                        let rank = Int(ranks[Int(id)])
                        if rank >= 0 { expected[rank] = values[k] }
                    }
                }
                let between = judged ? defaultValue : otherValue
                // The ranges overlapping the piece.
                var k = 0
                var a = 0, b = ranges.count - 1
                while a < b {
                    let m = (a + b + 1) / 2
                    if ranges[m].start <= plo { a = m } else { b = m - 1 }
                }
                k = a
                // The table's syscalls from the current range on (ranges and numbers ascend).
                var r1 = first
                while k < ranges.count, ranges[k].start <= phi {
                    let lo = max(ranges[k].start, plo)
                    let hi = min(k + 1 < ranges.count ? ranges[k + 1].start - 1 : .max, phi)
                    let returns = ranges[k].returns
                    k += 1
                    guard let value = returns else {
                        while r1 < numbers.count, numbers[r1] <= hi { r1 += 1 }
                        if probes == nil { probes = probeNumbers(family) }
                        if let d = runProbes(probes ?? [], lo, hi, abi) { return d }
                        continue
                    }
                    // Every number of lo...hi returns `value`: the table's syscalls in it...
                    let r0 = r1
                    while r1 < numbers.count, numbers[r1] <= hi {
                        let want = expected[r1]
                        if want != UInt64(value), let d = run(numbers[r1], abi, walked: want == byArguments ? nil : value) {
                            return d
                        }
                        r1 += 1
                    }
                    // ... and the numbers between them.
                    if UInt64(hi - lo) + 1 > UInt64(r1 - r0), between != UInt64(value) {
                        var nr = lo, r = r0
                        while r < r1, numbers[r] == nr {
                            nr += 1
                            r += 1
                        }
                        if let d = run(nr, abi, walked: value) { return d }
                    }
                }
            }
        }
        // AUDIT_ARCH values the policy does not judge, and one that no ABI has: the other-ABI
        // action for every number.
        var others: [(UInt32, Int)] = Architecture.allCases.filter { !covered.contains($0.auditArch) }
            .map { ($0.auditArch, $0.syscallBase) }
        others.append((0, 0))
        for (audit, base) in others {
            data.arch = audit
            data.littleEndian = audit & 0x4000_0000 != 0
            let ranges = walk.ranges(instructions, auditArch: audit)
            for (k, range) in ranges.enumerated() {
                let hi = k + 1 < ranges.count ? ranges[k + 1].start - 1 : .max
                if let value = range.returns {
                    if UInt64(value) != otherValue, let d = run(range.start, nil, walked: value) { return d }
                } else if let d = runProbes([0, UInt32(base), 0xFFFF_FFFF], range.start, hi, nil) {
                    return d
                }
            }
        }
        return nil
    }

    /// The program's outcome per range of syscall numbers for one `AUDIT_ARCH` value, found by
    /// walking it with the number as an interval: ascending starts covering 0…0xFFFFFFFF, each
    /// with the value the program returns for every number from it to the next start having
    /// loaded only the number and arch, or nil (it loads another word, or does what this walk
    /// does not model: those numbers are run instead).
    static func numberRanges(_ p: [BPFInstruction], auditArch: UInt32) -> [NumberRange] {
        var stack: [(pc: Int, lo: UInt32, hi: UInt32, holdsNumber: Bool, value: UInt32)] = []
        return numberRanges(p, auditArch: auditArch, stack: &stack)
    }

    static func numberRanges(_ p: [BPFInstruction], auditArch: UInt32,
        stack: inout [(pc: Int, lo: UInt32, hi: UInt32, holdsNumber: Bool, value: UInt32)]) -> [NumberRange]
    {
        var out: [NumberRange] = []
        // (pc, lowest and highest number, whether the accumulator holds the number, else the
        // value it holds: 0 before any load, as in the kernel, or the arch).
        stack.removeAll(keepingCapacity: true)
        stack.append((0, 0, .max, false, 0))
        var steps = 0
        while let (start, lo, hi, holds, held) = stack.popLast() {
            var pc = start, holdsNumber = holds, value = held
            var returns: UInt32?
            var split = false
            walk: while pc < p.count, steps < 1 << 20 {
                steps += 1
                let i = p[pc]
                switch i.code {
                case BPF.ld | BPF.w | BPF.abs where i.k == BPF.offsetNr || i.k == BPF.offsetArch:
                    holdsNumber = i.k == BPF.offsetNr
                    value = auditArch
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
                        pc = (op == BPF.jeq ? value == i.k : op == BPF.jgt ? value > i.k : value >= i.k) ? taken : notTaken
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
                    if tLo == UInt64(lo), tHi == UInt64(hi) {
                        pc = taken
                        continue
                    }
                    // Below and above the taken part: not taken (above only for JEQ). Pushed
                    // highest first, so that ranges are finished in ascending order.
                    if tHi < UInt64(hi) { stack.append((notTaken, UInt32(tHi + 1), hi, true, 0)) }
                    stack.append((taken, UInt32(tLo), UInt32(tHi), true, 0))
                    if tLo > UInt64(lo) { stack.append((notTaken, lo, UInt32(tLo - 1), true, 0)) }
                    split = true
                    break walk
                default:
                    break walk
                }
            }
            // A range split by a test is on the stack again, in parts; a finished one is recorded.
            if !split { out.append(NumberRange(start: lo, returns: returns)) }
        }
        // Ascending by construction; checked, since ranges are matched to numbers in order.
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

    /// `probeNumbers` made afresh: 0…1023, the edges, and per ABI its base…base+1023 and each
    /// number of its table and the one after, merged as ascending runs. (Not concatenated and
    /// sorted: the standard sort's first use in a process makes the runtime scan the binary's
    /// conformance records, docs/launch-performance.md "Sixth round".)
    static func makeProbeNumbers(_ family: [Architecture]) -> [UInt32] {
        var runs: [[UInt32]] = [Array(0...1023), [0x3FFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF]]
        for abi in family {
            let base = UInt32(abi.syscallBase)
            if base != 0 { runs.append((0...1023).map { base + $0 }) }
            // The table by number: both runs ascend.
            let table = SyscallTable.syscalls(on: abi)
            runs.append(table.map { UInt32(truncatingIfNeeded: $0.number) })
            runs.append(table.map { UInt32(truncatingIfNeeded: $0.number + 1) })
        }
        var out: [UInt32] = []
        for run in runs { out = mergedAscending(out, run) }
        return out
    }

    /// The distinct numbers of `a` (ascending, distinct) and `b`, ascending (`b` is sorted first
    /// if it does not ascend).
    static func mergedAscending(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        let b = b.indices.dropFirst().allSatisfy { b[$0 - 1] <= b[$0] } ? b : b.sorted()
        var out: [UInt32] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            let n: UInt32
            if j == b.count || (i < a.count && a[i] <= b[j]) {
                n = a[i]
                i += 1
            } else {
                n = b[j]
                j += 1
            }
            if out.last != n { out.append(n) }
        }
        return out
    }

    /// Argument samples that all passed from one place in the program: every run of them started
    /// at the first argument load `pc` (registers as there, but for the one that load overwrites,
    /// kept as 0) and read no word but arguments from there on, so they decide alike for any call
    /// that reaches the same place with the same registers, byte order and argument width,
    /// whatever its number, ABI or arch (i386 and x32 calls reaching the argument sub-program the
    /// compiler shares between them, for instance). A decision with the same actions and rule
    /// conditions (`sameSemantics`) then has the same samples and expected actions, so its samples
    /// need not be run again.
    struct PassedSamples {
        var pc: Int
        var a: UInt32
        var x: UInt32
        var littleEndian: Bool
        var argumentBits: Int
        var decision: SyscallDecision

        /// Whether `d` decides as `decision` does for every argument vector: the same action and
        /// the same rules (conditions and action, in order; origins aside).
        func sameSemantics(_ d: SyscallDecision) -> Bool {
            guard Compiler.same(d.action, decision.action), d.rules.count == decision.rules.count else { return false }
            for (r, s) in zip(d.rules, decision.rules) where !Compiler.same(r.action, s.action) || r.conditions != s.conditions {
                return false
            }
            return true
        }
    }

    /// Runs the call in `data` (arguments zero), which the policy judges `action` (by
    /// `decision`, nil when no syscall's decision applies) through `abi`, then the argument
    /// samples its decision's rules need, and compares. Samples are skipped where `passed` holds
    /// the same place, registers and decision (see `PassedSamples`); samples that pass from a
    /// place are added to it.
    static func check(_ program: [BPFInstruction], _ action: Action, _ abi: Architecture?, _ decision: SyscallDecision?,
        _ data: inout SeccompData, passed: inout [PassedSamples]) -> Difference?
    {
        guard let abi, let decision, !decision.rules.isEmpty else {
            // The policy decides without looking at arguments: so must the program, and then
            // this one run stands for every argument value.
            return compare(program, data, action, abi, argumentFree: true)
        }
        // The runs of this call's samples share the path to the first argument load (it reads
        // the number and arch only): it is run once, and each sample from where it ends.
        var state = Simulator.State()
        let resumable: Bool
        do {
            resumable = try Simulator.runToFirstArgument(program, data, &state) == nil
        } catch {
            return compare(program, data, action, abi, argumentFree: false)
        }
        let start = resumable ? state : nil
        if let d = compare(program, data, action, abi, argumentFree: false, from: start) { return d }
        let bits = abi.argumentBits
        // The register the load at `state.pc` overwrites is dead there (the number, usually, in
        // A): it is left out of the place.
        var place = (a: state.a, x: state.x)
        if state.pc < program.count { if program[state.pc].code & 0x07 == BPF.ld { place.a = 0 } else { place.x = 0 } }
        if resumable, passed.contains(where: {
            $0.pc == state.pc && $0.a == place.a && $0.x == place.x && $0.littleEndian == data.littleEndian
                && $0.argumentBits == bits && $0.sameSemantics(decision)
        }) {
            return nil
        }
        let firstMatch = FirstMatch(decision, argumentBits: bits)
        var found: Difference?
        var scratch = [UInt64](repeating: 0, count: 6)
        // The samples' runs from `start` with no word marked read, so that a run's `wordsRead` is
        // what it read from there on.
        var fresh = state
        fresh.read = 0
        var argumentsOnly = resumable
        forEachArgumentSample(decision.rules, into: &scratch) { args in
            for i in 0..<6 { data.args[i] = args[i] }
            let expected = firstMatch.action(args)
            if resumable, let r = try? Simulator.resume(program, data, from: fresh), r.returnValue == expected.returnValue {
                if r.wordsRead & 0b1111 != 0 { argumentsOnly = false }
                return true
            }
            found = compare(program, data, expected, abi, argumentFree: false, from: start)
            return found == nil
        }
        if found == nil, argumentsOnly {
            passed.append(PassedSamples(pc: state.pc, a: place.a, x: place.x, littleEndian: data.littleEndian,
                argumentBits: bits, decision: decision))
        }
        return found
    }

    /// Runs the program on `data` (from `start`, where `Simulator.runToFirstArgument` stopped
    /// on a call differing from `data` in its arguments only, else from the beginning); a
    /// difference when it returns something else than `expected`, or (`argumentFree`) reads
    /// more than the number and arch for a call the policy decides alone.
    static func compare(_ program: [BPFInstruction], _ data: SeccompData, _ expected: Action, _ abi: Architecture?,
        argumentFree: Bool, from start: Simulator.State? = nil) -> Difference?
    {
        do {
            let r: SimulationResult
            if let start { r = try Simulator.resume(program, data, from: start) } else { r = try Simulator.run(program, data) }
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
    /// `values(for:)` with the rule's other arguments kept (a vector equal to one already passed
    /// for this rule and condition is skipped). Bounded: at most about ten vectors per condition.
    /// Each is built in `buffer` (six words) and passed to `body`, without an array per vector;
    /// iteration stops when `body` returns false.
    static func forEachArgumentSample(_ rules: [Rule], into buffer: inout [UInt64], _ body: ([UInt64]) -> Bool) {
        var base = [UInt64](repeating: 0, count: 6)
        var varied: [UInt64] = []
        varied.reserveCapacity(10)
        for rule in rules {
            for i in 0..<6 { base[i] = 0 }
            for c in rule.conditions where (0...5).contains(c.index) { base[c.index] = c.value }
            for i in 0..<6 { buffer[i] = base[i] }
            guard body(buffer) else { return }
            for c in rule.conditions where (0...5).contains(c.index) {
                values(for: c, into: &varied)
                for (j, v) in varied.enumerated() {
                    // A vector already run is not run again: the rule's base vector (v is the
                    // argument's value there) or an earlier value of this condition's.
                    if v == base[c.index] || varied[..<j].contains(v) { continue }
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
        var out: [UInt64] = []
        values(for: c, into: &out)
        return out
    }

    /// `values(for:)` written into `out` (emptied first), so that one buffer serves every condition.
    static func values(for c: ArgumentCondition, into out: inout [UInt64]) {
        out.removeAll(keepingCapacity: true)
        let v = c.value
        let low = v & 0xFFFF_FFFF
        let signExtended = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
        // Equality: the constant itself is in the rule's base vector; its neighbours and other
        // words tell whether both halves (or only the compared one) are tested.
        if c.op == .equal || c.op == .notEqual {
            out.append(v &+ 1)
            out.append(v ^ 0x1_0000_0000)
            out.append(low | 0xFFFF_FFFF_0000_0000)
            out.append(signExtended)
            return
        }
        out.append(v &- 1)
        out.append(v &+ 1)
        out.append(low)
        out.append(low | 0xFFFF_FFFF_0000_0000)
        out.append(low | 0x1_0000_0000)
        out.append(v ^ 0x8000_0000_0000_0000)
        out.append(signExtended)
        if c.op == .maskedEqual {
            let m = c.mask
            out.append(v & m)
            out.append((v & m) | ~m)
            if m != 0 { out.append(v ^ (m & (~m &+ 1))) }  // the mask's lowest bit flipped
        }
    }
}
