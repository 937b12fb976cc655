// DecisionTree.swift: pass 2, the number intervals as a decision graph: the arch dispatch, a
// weight-balanced JGE tree per AUDIT_ARCH value, and the leaves (RET, or argument rules).

import SeccomposePolicy
import SeccomposeSyscalls

extension Compiler {
    static func buildRoot(_ policy: Policy, entries: Entries, layout: Layout, _ g: inout Graph) -> Int {
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
                slack: position == 0 ? 1 : 0, layout: layout, &g, &leafCache)
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
        _ iv: [Interval], weights: [Double], slack: Int, layout: Layout, _ g: inout Graph, _ cache: inout [LeafKey: Int]
    ) -> Int {
        var prefix = [0.0]
        prefix.reserveCapacity(weights.count + 1)
        for w in weights { prefix.append(prefix[prefix.count - 1] + w) }
        var depth = 0
        while (1 << depth) < iv.count { depth += 1 }
        func build(_ lo: Int, _ hi: Int, _ budget: Int) -> Int {  // intervals lo..<hi
            let n = hi - lo
            if n == 1 { return leaf(iv[lo].key, layout: layout, &g, &cache) }
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

    static func leaf(_ key: LeafKey, layout: Layout, _ g: inout Graph, _ cache: inout [LeafKey: Int]) -> Int {
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
                    otherwise: next, argumentBits: key.argumentBits, littleEndian: key.littleEndian, leafRun: layout.leafRun, &g)
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
