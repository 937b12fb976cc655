// Compiler.swift: Policy → one classic-BPF program for all of the policy's ABIs.
//
// Shape of the output:
//   LD arch; JEQ <audit value> per ABI (most common first) … RET <other-ABI action>
//   per audit value: LD nr; a balanced JGE tree over the maximal ranges of syscall numbers
//   with the same decision (x32 numbers are ranges of the x86-64 tree, never a separate path);
//   leaves: RET action, or an argument sub-program (rules tried in order) ending in RET.
// Unconditional ALLOW leaves are reached with LD nr/arch and K jumps only, so the kernel's
// constant-action cache can take them (checked by `CacheAnalysis`).

import SeccomposePolicy
import SeccomposeSyscalls

/// Why a policy could not be compiled.
public struct CompileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var fix: String
    public var description: String { "error: \(message)\n  fix: \(fix)" }
}

/// Options for the compiler.
public struct CompileOptions: Sendable, Hashable {
    /// The largest program accepted (the kernel's limit is 4096).
    public var maximumInstructions: Int = BPF.maximumInstructions
    /// Check that every unconditional ALLOW is eligible for the kernel's constant-action cache
    /// (emulating `seccomp_is_const_allow` over the output). Default: true.
    public var checkCacheEligibility: Bool = true
    /// How argument widths and the socketcall/ipc multiplexers are judged. Default: `.kernel`
    /// (the bits the kernel reads); `.systemd` reproduces systemd 252's comparisons.
    public var argumentWidths: ArgumentWidthMode = .kernel
    /// Run the program on every plausible syscall number of every ABI (with argument samples
    /// where rules apply) and refuse it unless it decides each call as the policy (`SelfCheck`).
    /// Default: true; turning it off is for measuring its cost.
    public var checkDecisions: Bool = true

    /// Options; every check is on by default.
    public init(maximumInstructions: Int = BPF.maximumInstructions, checkCacheEligibility: Bool = true,
        argumentWidths: ArgumentWidthMode = .kernel, checkDecisions: Bool = true)
    {
        self.maximumInstructions = maximumInstructions
        self.checkCacheEligibility = checkCacheEligibility
        self.argumentWidths = argumentWidths
        self.checkDecisions = checkDecisions
    }
}

/// Compiles policies.
public enum Compiler {
    /// Compiles `policy` into one program.
    ///
    /// The program judges `policy.judgingKernelReads(options.argumentWidths)`: by default only
    /// the bits the kernel reads of each argument decide, and socketcall/ipc sub-calls get at
    /// least the restriction of the direct calls (`effectivePolicy` returns that policy).
    ///
    /// - Throws: `CompileError` when the program would exceed `options.maximumInstructions`,
    ///   the policy is malformed (an argument index outside 0...5), mixes ABIs of both byte
    ///   orders, or (an internal error) the program fails the compiler's own checks.
    public static func compile(_ policy: Policy, options: CompileOptions = CompileOptions()) throws(CompileError)
        -> Program
    {
        try compiled(policy, options: options).program
    }

    /// Compiles `policy` and also returns the policy the program implements (`effectivePolicy`),
    /// computed once, for callers that explain or report decisions.
    ///
    /// - Throws: as `compile(_:options:)`.
    public static func compiled(_ policy: Policy, options: CompileOptions = CompileOptions()) throws(CompileError)
        -> (policy: Policy, program: Program)
    {
        try validate(policy)
        let order = try byteOrder(policy)
        let policy = effectivePolicy(policy, options: options)
        var graph = Graph()
        let entries = resolvedEntries(policy)
        let root = buildRoot(policy, entries: entries, &graph)
        let instructions = Emitter.emit(graph, root: root)
        guard instructions.count <= options.maximumInstructions else {
            throw CompileError(
                message: "the program needs \(instructions.count) instructions; the limit is \(options.maximumInstructions)",
                fix: "reduce the number of argument rules or ABIs, or split the policy")
        }
        // The compiler checks its own output: the kernel's load-time rules, and that every
        // unconditional ALLOW stays eligible for the kernel's constant-action cache.
        do {
            try Verifier.verify(instructions)
        } catch {
            throw CompileError(message: "internal error: the program breaks a kernel rule: \(error)",
                fix: "report this policy as a Seccompose bug")
        }
        if options.checkCacheEligibility {
            for abi in policy.architectures where abi != .x32 {
                // Which numbers of the ABI's table the policy allows unconditionally (by number - base).
                let numbers = SyscallTable.numbersByID(on: abi)
                let base = abi.syscallBase
                let top = (numbers.max() ?? base) - base
                var allowed = [Bool](repeating: false, count: max(0, top + 1))
                if policy.defaultAction == .allow { for n in numbers where n >= 0 { allowed[n - base] = true } }
                for e in entries[abi] where numbers[e.id] >= 0 {
                    allowed[numbers[e.id] - base] = e.decision.rules.isEmpty && e.decision.action == .allow
                }
                for (offset, isAllowed) in allowed.enumerated() where isAllowed
                    && !CacheAnalysis.isConstantAllow(instructions, auditArch: abi.auditArch, nr: UInt32(offset + base))
                {
                    let number = offset + base
                    throw CompileError(
                        message: "internal error: \(abi.name) syscall \(number) is allowed unconditionally but not cacheable",
                        fix: "report this policy as a Seccompose bug")
                }
            }
        }
        // Fail closed: the program must decide every probed call as the policy does.
        if options.checkDecisions { try SelfCheck.verify(instructions, implements: policy) }
        return (policy, Program(instructions, byteOrder: order))
    }

    /// The byte order of the policy's ABIs: one program is read by one kernel, in its order.
    static func byteOrder(_ policy: Policy) throws(CompileError) -> ByteOrder {
        let little = policy.architectures.filter(\.isLittleEndian), big = policy.architectures.filter { !$0.isLittleEndian }
        guard !little.isEmpty, !big.isEmpty else { return big.isEmpty ? .littleEndian : .bigEndian }
        let names = { (abis: [Architecture]) in abis.map(\.name).joined(separator: ", ") }
        throw CompileError(
            message: "the policy mixes little-endian ABIs (\(names(little))) with big-endian ones (\(names(big))); "
                + "one seccomp program is read by one kernel, in one byte order",
            fix: "compile one program per byte order: restrict the ABIs (--architectures / SystemCallArchitectures=, "
                + "or the profile's architectures) to \(names(little)) for one program and \(names(big)) for the other")
    }

    /// The policy the compiled program implements, decision for decision: `policy` with its
    /// conditions rewritten for `options.argumentWidths`.
    public static func effectivePolicy(_ policy: Policy, options: CompileOptions = CompileOptions()) -> Policy {
        policy.judgingKernelReads(options.argumentWidths)
    }

    static func validate(_ policy: Policy) throws(CompileError) {
        for (name, d) in policy.syscalls {
            for rule in d.rules {
                for c in rule.conditions where !(0...5).contains(c.index) {
                    throw CompileError(message: "rule for \(name) compares argument \(c.index)",
                        fix: "syscall arguments are numbered 0 to 5")
                }
            }
        }
    }

    // MARK: Building the decision graph

    static func buildRoot(_ policy: Policy, entries: Entries, _ g: inout Graph) -> Int {
        let otherABIs = g.ret(policy.otherArchitectureAction.returnValue)
        // One dispatch entry per distinct AUDIT_ARCH value, in Architecture order (x86-64 first).
        var audits: [UInt32] = []
        for abi in policy.architectures.sorted() where !audits.contains(abi.auditArch) { audits.append(abi.auditArch) }
        var next = otherABIs
        var leafCache: [LeafKey: Int] = [:]
        for (position, audit) in audits.enumerated().reversed() {
            let intervals = numberIntervals(policy, audit: audit, entries: entries)
            // The first ABI checked may use one level more than a balanced tree (the bound is
            // 4 + ⌈log2 R⌉ + 1); later ones already pay one test per earlier ABI.
            let tree = buildTree(intervals, weights: weights(intervals, audit: audit, policy: policy),
                slack: position == 0 ? 1 : 0, &g, &leafCache)
            let block = g.add(.load(BPF.offsetNr, next: tree))
            next = g.add(.jump(BPF.jeq, audit, jt: block, jf: next))
        }
        return g.add(.load(BPF.offsetArch, next: next))
    }

    /// What decides a range of numbers: an ABI's decision for a syscall, or a plain action.
    struct LeafKey: Hashable {
        var decision: SyscallDecision
        var argumentBits: Int
        var littleEndian: Bool
    }

    struct Interval {
        var start: UInt32
        var key: LeafKey
        /// The highest priority hint of the syscalls in the interval.
        var priority: Int = 0
    }

    /// The maximal runs of numbers with one decision, covering 0…0xFFFFFFFF, for one audit value.
    static func numberIntervals(_ policy: Policy, audit: UInt32) -> [Interval] {
        numberIntervals(policy, audit: audit, entries: resolvedEntries(policy))
    }

    /// The policy's decisions by syscall-name id (names no table knows are dropped), per ABI.
    struct Entries {
        var shared: [(id: Int, decision: SyscallDecision)]
        var perABI: [Architecture: [(id: Int, decision: SyscallDecision)]]
        subscript(abi: Architecture) -> [(id: Int, decision: SyscallDecision)] { perABI[abi] ?? shared }
    }

    static func resolvedEntries(_ policy: Policy) -> Entries {
        func resolve(_ t: [String: SyscallDecision]) -> [(id: Int, decision: SyscallDecision)] {
            t.compactMap { name, d in SyscallTable.id(of: name).map { ($0, d) } }
        }
        return Entries(shared: resolve(policy.syscalls), perABI: policy.abiSyscalls.mapValues(resolve))
    }

    static func numberIntervals(_ policy: Policy, audit: UInt32, entries: Entries)
        -> [Interval]
    {
        // Resolve the policy's names once, then work with small integer ids.
        var keys: [LeafKey] = []
        var keyIDs: [LeafKey: Int] = [:]
        func id(_ k: LeafKey) -> Int {
            if let i = keyIDs[k] { return i }
            keys.append(k)
            keyIDs[k] = keys.count - 1
            return keys.count - 1
        }
        var plainIDs: [(Action, Int)] = []  // few distinct actions: a linear search beats hashing
        func plain(_ a: Action) -> Int {
            if let hit = plainIDs.first(where: { $0.0 == a }) { return hit.1 }
            let i = id(LeafKey(decision: SyscallDecision(action: a), argumentBits: 64, littleEndian: true))
            plainIDs.append((a, i))
            return i
        }
        // (start, key id) points in ascending order; each key holds until the next start.
        var points: [(UInt32, Int, Int)] = []  // (start, key id, priority)
        func addRegion(_ abi: Architecture?, from: UInt32, through: UInt32) {
            guard let abi, policy.architectures.contains(abi) else {
                points.append((from, plain(policy.otherArchitectureAction), 0))
                return
            }
            let fallback = plain(policy.defaultAction)
            let numbers = SyscallTable.numbersByID(on: abi)
            var listed: [(Int, Int, Int)] = []  // (number, key id, priority)
            for e in entries[abi] {
                let n = numbers[e.id]
                guard n >= Int(from), n <= Int(through) else { continue }
                let d = e.decision
                let key = d.rules.isEmpty
                    ? plain(d.action)
                    : id(LeafKey(decision: SyscallDecision(action: d.action, rules: d.rules.map { strip($0) }),
                        argumentBits: abi.argumentBits, littleEndian: abi.isLittleEndian))
                listed.append((n, key, d.priority))
            }
            listed.sort { $0.0 < $1.0 }
            points.append((from, fallback, 0))
            for (number, key, priority) in listed {
                points.append((UInt32(number), key, priority))
                if number < Int(through) { points.append((UInt32(number + 1), fallback, 0)) }
            }
        }
        if audit == Architecture.x86_64.auditArch {
            addRegion(.x86_64, from: 0, through: Architecture.x32SyscallBit - 1)
            addRegion(.x32, from: Architecture.x32SyscallBit, through: 0xFFFF_FFFE)
            addRegion(.x86_64, from: 0xFFFF_FFFF, through: 0xFFFF_FFFF)
        } else {
            addRegion(policy.architectures.first { $0.auditArch == audit }, from: 0, through: 0xFFFF_FFFF)
        }
        // Later points at the same start replace earlier ones; then merge equal neighbours.
        var out: [(start: UInt32, key: Int, priority: Int)] = []
        for (start, key, priority) in points {
            if let last = out.last, last.start == start {
                out[out.count - 1].key = key
                out[out.count - 1].priority = priority
            } else {
                out.append((start, key, priority))
            }
            if out.count >= 2, out[out.count - 2].key == out[out.count - 1].key {
                let merged = out.removeLast()
                out[out.count - 1].priority = max(out[out.count - 1].priority, merged.priority)
            }
        }
        return out.map { Interval(start: $0.start, key: keys[$0.key], priority: $0.priority) }
    }

    /// Drops origins, so that equal rules share code.
    static func strip(_ r: Rule) -> Rule { Rule(r.conditions, action: r.action) }

    /// How likely a call is to land in each interval: the plausible syscall numbers it holds
    /// (the first 1024 numbers above each ABI's base, where every real syscall lives), plus the
    /// policy's priority hints. Intervals with no plausible number keep a tiny weight.
    static func weights(_ iv: [Interval], audit: UInt32, policy: Policy) -> [Double] {
        let abis = Architecture.allCases.filter { $0.auditArch == audit }
        let windows = abis.map { (UInt64($0.syscallBase), UInt64($0.syscallBase) + 1023) }
        var w: [Double] = []
        w.reserveCapacity(iv.count)
        for (k, interval) in iv.enumerated() {
            let start = UInt64(interval.start)
            let end = k + 1 < iv.count ? UInt64(iv[k + 1].start) - 1 : 0xFFFF_FFFF
            var count = 0.001
            for (lo, hi) in windows where start <= hi && end >= lo { count += Double(min(end, hi) - max(start, lo) + 1) }
            count += Double(max(0, interval.priority)) * 100
            w.append(count)
        }
        return w
    }

    /// A search tree over the intervals: each split balances the weight on both sides, within a
    /// depth budget (a subtree of n leaves may not be deeper than `budget`), so the worst case
    /// stays within `⌈log2 R⌉ + slack` tests while frequent ranges sit closer to the root.
    static func buildTree(
        _ iv: [Interval], weights: [Double], slack: Int, _ g: inout Graph, _ cache: inout [LeafKey: Int]
    ) -> Int {
        var prefix = [0.0]
        prefix.reserveCapacity(weights.count + 1)
        for w in weights { prefix.append(prefix[prefix.count - 1] + w) }
        var depth = 0
        while (1 << depth) < iv.count { depth += 1 }
        func build(_ lo: Int, _ hi: Int, _ budget: Int) -> Int {  // intervals lo..<hi
            let n = hi - lo
            if n == 1 { return leaf(iv[lo].key, &g, &cache) }
            let half = budget >= 1 ? 1 << (budget - 1) : 1
            // Left sizes that keep both sides within budget - 1.
            let minLeft = max(1, n - half), maxLeft = min(n - 1, half)
            // The weight-balanced left size, by binary search on the prefix sums.
            let target = (prefix[lo] + prefix[hi]) / 2
            var a = lo + 1, b = hi - 1
            while a < b {
                let m = (a + b) / 2
                if prefix[m] < target { a = m + 1 } else { b = m }
            }
            var split = a
            if split > lo + 1, abs(prefix[split - 1] - target) < abs(prefix[split] - target) { split -= 1 }
            split = min(max(split, lo + minLeft), lo + maxLeft)
            let right = build(split, hi, budget - 1)
            let left = build(lo, split, budget - 1)
            return g.addUnique(.jump(BPF.jge, iv[split].start, jt: right, jf: left))
        }
        return build(0, iv.count, depth + slack)
    }

    static func leaf(_ key: LeafKey, _ g: inout Graph, _ cache: inout [LeafKey: Int]) -> Int {
        if let n = cache[key] { return n }
        let d = key.decision
        var next = g.ret(d.action.returnValue)
        var rules = d.rules[...]
        // Built backwards: each rule (or set of rules) falls through to `next` when it does not match.
        while let last = rules.last {
            // A run of rules that each test one argument for equality with a distinct constant
            // (a value set, e.g. ioctl requests or personality values) is disjoint, so its order
            // does not matter: it becomes one binary search that loads each word once.
            if let set = valueSet(ending: rules, argumentBits: key.argumentBits), set.count >= 3 {
                next = ArgumentCode.valueSet(set.map { ($0.conditions[0].value, $0.action) }, condition: last.conditions[0],
                    otherwise: next, argumentBits: key.argumentBits, littleEndian: key.littleEndian, &g)
                rules = rules.dropLast(set.count)
                continue
            }
            var success = g.ret(last.action.returnValue)
            for c in last.conditions.reversed() {
                success = ArgumentCode.condition(c, ifTrue: success, ifFalse: next, argumentBits: key.argumentBits,
                    littleEndian: key.littleEndian, &g)
            }
            next = success
            rules = rules.dropLast()
        }
        cache[key] = next
        return next
    }

    /// The longest run of rules at the end of `rules` that are single equality tests of the same
    /// argument (same width) against distinct constants.
    static func valueSet(ending rules: ArraySlice<Rule>, argumentBits: Int) -> [Rule]? {
        guard let last = rules.last, last.conditions.count == 1, last.conditions[0].op == .equal else { return nil }
        let index = last.conditions[0].index
        let bits = last.conditions[0].comparedBits(argumentBits: argumentBits)
        let keep: UInt64 = bits >= 64 ? .max : 0xFFFF_FFFF
        var seen: Set<UInt64> = []
        var out: [Rule] = []
        for r in rules.reversed() {
            guard r.conditions.count == 1, let c = r.conditions.first, c.op == .equal, c.index == index,
                c.comparedBits(argumentBits: argumentBits) == bits, seen.insert(c.value & keep).inserted
            else { break }
            out.append(r)
        }
        return out.reversed()
    }
}

/// Code for argument comparisons: each 64-bit comparison is split into word tests.
enum ArgumentCode {
    static func condition(
        _ c: ArgumentCondition, ifTrue t: Int, ifFalse f: Int, argumentBits: Int, littleEndian: Bool, _ g: inout Graph
    ) -> Int {
        let loOffset = BPF.offsetArgument(c.index, highHalf: false, littleEndian: littleEndian)
        let hiOffset = BPF.offsetArgument(c.index, highHalf: true, littleEndian: littleEndian)
        let vlo = UInt32(truncatingIfNeeded: c.value), vhi = UInt32(truncatingIfNeeded: c.value >> 32)
        let mlo = UInt32(truncatingIfNeeded: c.mask), mhi = UInt32(truncatingIfNeeded: c.mask >> 32)
        func load(_ off: UInt32, _ n: Int) -> Int { g.add(.load(off, next: n)) }
        func j(_ op: UInt16, _ k: UInt32, _ jt: Int, _ jf: Int) -> Int {
            jt == jf ? jt : g.add(.jump(op, k, jt: jt, jf: jf))
        }
        // Tests on one word already in the accumulator.
        func word(_ op: ArgumentCondition.Operator, _ v: UInt32, _ m: UInt32, _ t: Int, _ f: Int) -> Int {
            switch op {
            case .equal: return j(BPF.jeq, v, t, f)
            case .notEqual: return j(BPF.jeq, v, f, t)
            case .greater: return j(BPF.jgt, v, t, f)
            case .greaterOrEqual: return j(BPF.jge, v, t, f)
            case .less: return j(BPF.jge, v, f, t)
            case .lessOrEqual: return j(BPF.jgt, v, f, t)
            case .maskedEqual:
                if m == 0 { return (v & m) == 0 ? t : f }
                return g.add(.and(m, next: j(BPF.jeq, v & m, t, f)))
            }
        }
        if c.comparedBits(argumentBits: argumentBits) <= 32 {
            if c.op == .maskedEqual, mlo == 0 { return t }
            return load(loOffset, word(c.op, vlo, mlo, t, f))
        }
        switch c.op {
        case .equal, .notEqual:
            let (yes, no) = c.op == .equal ? (t, f) : (f, t)
            let low = load(loOffset, j(BPF.jeq, vlo, yes, no))
            return load(hiOffset, j(BPF.jeq, vhi, low, no))
        case .maskedEqual:
            let low = mlo == 0 ? t : load(loOffset, word(.maskedEqual, vlo, mlo, t, f))
            if mhi == 0 { return low }
            return load(hiOffset, word(.maskedEqual, vhi, mhi, low, f))
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            // a > v  ⇔  hi > vhi, or hi == vhi and lo > vlo (unsigned); likewise for >=.
            let strict = c.op == .greater || c.op == .lessOrEqual
            let (yes, no) = (c.op == .greater || c.op == .greaterOrEqual) ? (t, f) : (f, t)
            let low = load(loOffset, j(strict ? BPF.jgt : BPF.jge, vlo, yes, no))
            return load(hiOffset, j(BPF.jgt, vhi, yes, j(BPF.jeq, vhi, low, no)))
        }
    }
}

extension ArgumentCode {
    /// `switch argument { case v1: action1 … default: otherwise }` for distinct constants: the
    /// high word (64-bit) is loaded once and searched, then the low word is loaded once and
    /// searched, with JGE splits down to short JEQ chains.
    static func valueSet(
        _ cases: [(UInt64, Action)], condition c: ArgumentCondition, otherwise: Int, argumentBits: Int,
        littleEndian: Bool, _ g: inout Graph
    ) -> Int {
        let wide = c.comparedBits(argumentBits: argumentBits) > 32
        let lo = BPF.offsetArgument(c.index, highHalf: false, littleEndian: littleEndian)
        let hi = BPF.offsetArgument(c.index, highHalf: true, littleEndian: littleEndian)
        // Binary search over sorted 32-bit keys; the accumulator holds the word already.
        func search(_ keys: [(UInt32, Int)], _ miss: Int) -> Int {
            if keys.count <= 3 {
                var next = miss
                for (k, target) in keys.reversed() { next = g.add(.jump(BPF.jeq, k, jt: target, jf: next)) }
                return next
            }
            let mid = keys.count / 2
            let right = search(Array(keys[mid...]), miss)
            let left = search(Array(keys[..<mid]), miss)
            return g.add(.jump(BPF.jge, keys[mid].0, jt: right, jf: left))
        }
        func lowSearch(_ items: [(UInt64, Action)]) -> Int {
            let keys = items.map { (UInt32(truncatingIfNeeded: $0.0), g.ret($0.1.returnValue)) }.sorted { $0.0 < $1.0 }
            return g.add(.load(lo, next: search(keys, otherwise)))
        }
        guard wide else { return lowSearch(cases) }
        var byHigh: [UInt32: [(UInt64, Action)]] = [:]
        for item in cases { byHigh[UInt32(truncatingIfNeeded: item.0 >> 32), default: []].append(item) }
        let highKeys = byHigh.keys.sorted().map { h in (h, lowSearch(byHigh[h] ?? [])) }
        return g.add(.load(hi, next: search(highKeys, otherwise)))
    }
}

/// A hash-consed DAG of BPF operations; node ids are indices.
struct Graph {
    enum Node: Hashable {
        case ret(UInt32)
        case load(UInt32, next: Int)
        case and(UInt32, next: Int)
        case jump(UInt16, UInt32, jt: Int, jf: Int)
    }

    var nodes: [Node] = []
    var index: [Node: Int] = [:]

    mutating func add(_ n: Node) -> Int {
        if let i = index[n] { return i }
        nodes.append(n)
        index[n] = nodes.count - 1
        return nodes.count - 1
    }

    mutating func ret(_ v: UInt32) -> Int { add(.ret(v)) }

    /// Adds a node known to be new (search-tree splits are unique), skipping the hash lookup.
    mutating func addUnique(_ n: Node) -> Int {
        nodes.append(n)
        return nodes.count - 1
    }
}

/// Lays the graph out as a program, backwards, so every jump target is already placed.
/// Conditional jumps reach at most 255 instructions: farther targets get a copy of the `RET`
/// right after the jump, or a `JA` trampoline.
enum Emitter {
    static func emit(_ g: Graph, root: Int) -> [BPFInstruction] {
        // Post-order: successors before their users; the fall-through successor visited last.
        var order: [Int] = []
        var state = [UInt8](repeating: 0, count: g.nodes.count)
        var stack: [(Int, Bool)] = [(root, false)]
        while let (n, expanded) = stack.popLast() {
            if expanded {
                if state[n] != 2 {
                    state[n] = 2
                    order.append(n)
                }
                continue
            }
            if state[n] != 0 { continue }
            state[n] = 1
            stack.append((n, true))
            switch g.nodes[n] {
            case .ret: break
            case .load(_, let next), .and(_, let next):
                if state[next] == 0 { stack.append((next, false)) }
            case .jump(_, _, let jt, let jf):
                // Pushed last = visited first = placed farther away; jf (false) stays close.
                if state[jf] == 0 { stack.append((jf, false)) }
                if state[jt] == 0 { stack.append((jt, false)) }
            }
        }
        var rev: [BPFInstruction] = []  // rev[0] is the program's last instruction
        var position = [Int](repeating: -1, count: g.nodes.count)
        // Distance from a new instruction (appended at rev.count) to target position p.
        func distance(_ p: Int) -> Int { rev.count - 1 - p }
        func place(_ i: BPFInstruction) -> Int {
            rev.append(i)
            return rev.count - 1
        }
        // Makes `target` reachable by a following conditional jump: a RET copy or a JA.
        func nearby(_ node: Int) -> Int {
            if case .ret(let v) = g.nodes[node] { return place(BPF.returnValue(v)) }
            return place(BPF.jumpAlways(UInt32(distance(position[node]))))
        }
        for n in order {
            switch g.nodes[n] {
            case .ret(let v):
                position[n] = place(BPF.returnValue(v))
            case .load(let off, let next), .and(let off, let next):
                if position[next] != rev.count - 1 { _ = place(BPF.jumpAlways(UInt32(distance(position[next])))) }
                let ins = { if case .load = g.nodes[n] { return BPF.loadAbsolute(off) } else { return BPF.andK(off) } }()
                position[n] = place(ins)
            case .jump(let op, let k, let jt, let jf):
                var pt = position[jt], pf = position[jf]
                while distance(pt) > 255 || distance(pf) > 255 {
                    if distance(pt) > 255 {
                        pt = nearby(jt)
                    } else {
                        pf = nearby(jf)
                    }
                }
                position[n] = place(BPF.jump(op, k, jt: UInt8(distance(pt)), jf: UInt8(distance(pf))))
            }
        }
        return rev.reversed()
    }
}

/// Measurements of a compiled program, per ABI (from the simulator).
public struct ProgramStats: Sendable {
    public struct PerABI: Sendable {
        public var abi: Architecture
        /// Maximal ranges of numbers with one outcome in the ABI's dispatch tree (R).
        public var ranges: Int
        /// Mean and maximum instructions executed over the probed numbers (arguments zero).
        public var meanInstructions: Double
        public var maxInstructions: Int
        /// The maximum over numbers whose decision needs no argument checks: the dispatch alone.
        public var maxDispatchInstructions: Int
        /// The bound 4 + ⌈log2 R⌉ + 1 that the maximum should not exceed.
        public var bound: Int
        /// Syscalls of the ABI's table the kernel caches as ALLOW.
        public var cacheable: Int
        /// Syscalls of the ABI's table the policy allows unconditionally.
        public var unconditionalAllows: Int
    }

    public var length: Int
    public var abis: [PerABI]

    /// Measures `program` (compiled from `policy`) over numbers 0…`highest` of each ABI (base added).
    public static func measure(policy: Policy, program: Program, highest: Int = 600) -> ProgramStats {
        var out: [PerABI] = []
        for abi in policy.architectures {
            var total = 0, maxRun = 0, maxDispatch = 0
            for n in 0...highest {
                let data = SeccompData(abi: abi, number: n + abi.syscallBase)
                let steps = (try? Simulator.run(program.instructions, data).instructionsExecuted) ?? 0
                total += steps
                maxRun = max(maxRun, steps)
                let hasRules = SyscallTable.name(of: n + abi.syscallBase, on: abi).flatMap { policy.decisions(for: abi)[$0] }
                    .map { !$0.rules.isEmpty } ?? false
                if !hasRules { maxDispatch = max(maxDispatch, steps) }
            }
            let r = Compiler.numberIntervals(policy, audit: abi.auditArch).count
            var log2 = 0
            while (1 << log2) < r { log2 += 1 }
            let allows = SyscallTable.syscalls(on: abi).filter {
                policy.decisions(for: abi)[$0.name].map { $0.rules.isEmpty && $0.action == .allow } ?? (policy.defaultAction == .allow)
            }.count
            out.append(PerABI(abi: abi, ranges: r, meanInstructions: Double(total) / Double(highest + 1), maxInstructions: maxRun,
                maxDispatchInstructions: maxDispatch, bound: 4 + log2 + 1, cacheable: CacheAnalysis.cacheableNumbers(program.instructions, abi: abi).count,
                unconditionalAllows: allows))
        }
        return ProgramStats(length: program.instructions.count, abis: out)
    }
}
