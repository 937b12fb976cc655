// DecisionTree.swift: pass 2, the number intervals as a decision graph: the arch dispatch, a
// weight-balanced JGE tree per AUDIT_ARCH value, and the leaves (RET, or argument rules).

import SeccomposePolicy
import SeccomposeSyscalls

extension Compiler {
    /// The number intervals of each AUDIT_ARCH value the policy judges, in dispatch order
    /// (Architecture order, x86-64 first), with the leaves they name: they do not depend on the
    /// layout, so a compile makes them once.
    struct Dispatch {
        var audits: [(audit: UInt32, intervals: [Interval])] = []
        var keys = LeafKeys()
    }

    static func dispatch(_ policy: Policy, entries: Entries) -> Dispatch {
        var d = Dispatch()
        var audits: [UInt32] = []
        for abi in policy.architectures.sorted() where !audits.contains(abi.auditArch) { audits.append(abi.auditArch) }
        for audit in audits { d.audits.append((audit, numberIntervals(policy, audit: audit, entries: entries, keys: &d.keys))) }
        return d
    }

    static func buildRoot(_ policy: Policy, dispatch: Dispatch, layout: Layout, _ g: inout Graph) -> Int {
        let otherABIs = g.ret(policy.otherArchitectureAction.returnValue)
        // One dispatch entry per distinct AUDIT_ARCH value, in Architecture order (x86-64 first).
        var next = otherABIs
        var leafCache = [Int](repeating: -1, count: dispatch.keys.keys.count)
        for (audit, intervals) in dispatch.audits.reversed() {
            // A balanced depth: every number is decided in 4 + ⌈log2 R⌉ instructions, plus one
            // test per AUDIT_ARCH value checked before its own (the weights only choose among the
            // trees of that depth).
            let tree = buildTree(intervals, weights: weights(intervals, audit: audit, policy: policy),
                slack: 0, layout: layout, keys: dispatch.keys, &g, &leafCache)
            let block = g.add(.load(BPF.offsetNr, next: tree))
            next = g.add(.jump(BPF.jeq, audit, jt: block, jf: next))
        }
        return g.add(.load(BPF.offsetArch, next: next))
    }

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
        _ iv: [Interval], weights: [Double], slack: Int, layout: Layout, keys: LeafKeys, _ g: inout Graph, _ cache: inout [Int]
    ) -> Int {
        var prefix = [0.0]
        prefix.reserveCapacity(weights.count + 1)
        for w in weights { prefix.append(prefix[prefix.count - 1] + w) }
        var depth = 0
        while (1 << depth) < iv.count { depth += 1 }
        func build(_ lo: Int, _ hi: Int, _ budget: Int) -> Int {  // intervals lo..<hi
            let n = hi - lo
            if n == 1 {
                let k = iv[lo].key
                if cache[k] < 0 { cache[k] = leaf(keys.keys[k], layout: layout, &g) }
                return cache[k]
            }
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

    static func leaf(_ key: LeafKey, layout: Layout, _ g: inout Graph) -> Int {
        let d = key.decision
        // Rules that each compare one and the same argument with a constant (`<`, `>`, `!=` …,
        // e.g. RestrictAddressFamilies='s family bounds and list) are one search over the
        // argument's intervals with one action, when that tests fewer words than the rules do.
        if let search = ArgumentCode.intervalSearch(d, argumentBits: key.argumentBits, littleEndian: key.littleEndian, &g) {
            return search
        }
        var next = g.ret(d.action.returnValue)
        var rules = d.rules[...]
        var ruleChain = RuleChain()
        // Built backwards: each rule (or set of rules) falls through to `next` when it does not match.
        while let last = rules.last {
            // A run of rules that each test one argument for equality with a distinct constant
            // (a value set, e.g. ioctl requests or personality values) is disjoint, so its order
            // does not matter: it becomes one binary search that loads each word once.
            let setCount = valueSetCount(ending: rules, argumentBits: key.argumentBits)
            if setCount >= 3 {
                next = ArgumentCode.valueSet(rules.suffix(setCount).map { ($0.conditions[0].value, $0.action) },
                    condition: last.conditions[0], otherwise: next, argumentBits: key.argumentBits,
                    littleEndian: key.littleEndian, leafRun: layout.leafRun, &g)
                rules = rules.dropLast(setCount)
                continue
            }
            // A run of rules with one action that each test one bit of an argument (the flags of
            // RestrictNamespaces=: "CLONE_NEWNS set", "CLONE_NEWPID set" …) matches when any of
            // those bits is set: one `JSET` on the OR of the bits per argument word decides them.
            // (Rules of one action may be tried in any order: the first that matches decides.)
            let bits = singleBitRun(ending: rules, argumentBits: key.argumentBits, littleEndian: key.littleEndian)
            if bits.rules >= 2 {
                let hit = g.ret(last.action.returnValue)
                for (offset, mask) in bits.words.reversed() where hit != next {
                    next = g.add(.load(offset, next: g.add(.jump(BPF.jset, mask, jt: hit, jf: next))))
                }
                rules = rules.dropLast(bits.rules)
                continue
            }
            let hit = g.ret(last.action.returnValue)
            var success = hit
            var entries: [Int] = []  // entries[j]: the test of conditions j… (built backwards, reversed below)
            for (i, c) in last.conditions.enumerated().reversed() {
                let failed = ruleChain.target(next, known: last.conditions[..<i], failed: c)
                success = ArgumentCode.condition(c, ifTrue: success, ifFalse: failed, argumentBits: key.argumentBits,
                    littleEndian: key.littleEndian, &g)
                entries.append(success)
            }
            ruleChain.record(PlainRule(conditions: last.conditions, entries: entries.reversed(), hit: hit, miss: next))
            next = success
            rules = rules.dropLast()
        }
        return next
    }

    /// A rule compiled as a chain of condition tests.
    struct PlainRule {
        var conditions: [ArgumentCondition]
        /// `entries[j]`: the node testing conditions j… of the rule (`entries[0]` starts it).
        var entries: [Int]
        /// Where the rule goes when it matches, and when it does not.
        var hit: Int
        var miss: Int
    }

    /// The rules of one decision compiled so far, by their start node: what a test that fails
    /// (or the tests that passed) already tell about the rules after it. A rule that contains
    /// the failed condition fails too (the test jumps past it); one whose leading conditions all
    /// passed is entered after them.
    struct RuleChain {
        var byStart: [Int: PlainRule] = [:]

        mutating func record(_ rule: PlainRule) {
            if let start = rule.entries.first { byStart[start] = rule }
        }

        /// Where a rule whose conditions `known` held and whose condition `failed` did not goes
        /// instead of `next` (the start of the following rules). A few rules deep at most.
        func target(_ next: Int, known: ArraySlice<ArgumentCondition>, failed: ArgumentCondition) -> Int {
            var node = next
            for _ in 0..<16 {
                guard let rule = byStart[node] else { return node }
                if rule.conditions.contains(failed) {
                    node = rule.miss
                    continue
                }
                var j = 0
                while j < rule.conditions.count, known.contains(rule.conditions[j]) { j += 1 }
                return j == rule.conditions.count ? rule.hit : rule.entries[j]
            }
            return node
        }
    }

    /// The longest run of rules at the end of `rules` with the last rule's action that each are
    /// one single-bit test (`ArgumentCode.singleBitTest`): how many, and the OR of their bits
    /// per argument word, words in the order of their first rule.
    static func singleBitRun(ending rules: ArraySlice<Rule>, argumentBits: Int, littleEndian: Bool)
        -> (rules: Int, words: [(offset: UInt32, bits: UInt32)])
    {
        guard let action = rules.last?.action else { return (0, []) }
        var count = 0
        var words: [(offset: UInt32, bits: UInt32)] = []
        for r in rules.reversed() {
            guard r.action == action, r.conditions.count == 1,
                let (offset, bit) = ArgumentCode.singleBitTest(r.conditions[0], argumentBits: argumentBits, littleEndian: littleEndian)
            else { break }
            count += 1
            if let i = words.firstIndex(where: { $0.offset == offset }) { words[i].bits |= bit } else { words.append((offset, bit)) }
        }
        return (count, words.reversed())
    }

    /// The length of the longest run of rules at the end of `rules` that are single equality
    /// tests of the same argument (same width) against distinct constants (0: none). The
    /// constants seen are compared in turn while they are few (a profile's short lists), and
    /// hashed once there are more (thousands of ioctl requests).
    static func valueSetCount(ending rules: ArraySlice<Rule>, argumentBits: Int) -> Int {
        guard let last = rules.last, last.conditions.count == 1, last.conditions[0].op == .equal else { return 0 }
        let index = last.conditions[0].index
        let bits = last.conditions[0].comparedBits(argumentBits: argumentBits)
        let keep: UInt64 = bits >= 64 ? .max : 0xFFFF_FFFF
        var few: [UInt64] = []
        var seen: Set<UInt64> = []
        var hashed = false
        // Whether `v` is new among the constants seen (and now seen).
        func isNew(_ v: UInt64) -> Bool {
            if hashed { return seen.insert(v).inserted }
            if few.contains(v) { return false }
            few.append(v)
            if few.count > 32 {
                seen = Set(few)
                hashed = true
            }
            return true
        }
        var count = 0
        var i = rules.endIndex
        while i > rules.startIndex {
            i -= 1
            let r = rules[i]
            guard r.conditions.count == 1, let c = r.conditions.first, c.op == .equal, c.index == index,
                c.comparedBits(argumentBits: argumentBits) == bits, isNew(c.value & keep)
            else { break }
            count += 1
        }
        return count
    }
}
