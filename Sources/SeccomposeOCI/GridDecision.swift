// GridDecision.swift: a decision tree too large to write down path by path, written down as
// disjoint boxes of argument values instead.
//
// Ordering comparisons on two 64-bit arguments make libseccomp share subtrees between branches
// (both exits of `a0 < x` lead to the next argument's chain); flattening the tree into a
// first-match list copies a shared subtree once per path, and eight such rules can need over
// 65 536 rules. The tree's answer, though, only changes where some node's test changes: a test
// of a whole upper word at its constant and the one after it, a test of a lower word (always
// under an `==` test of the same argument's upper word, so its upper word is known) at the
// 64-bit value it stands for and the one after. Between those breakpoints, per argument, every
// test gives one answer, so the tree decides the same on each box of the grid they make, and
// the box's lowest corner stands for it. The boxes are disjoint, so their order in the list
// does not matter; boxes with the filter's default action are left out, and neighbours along the
// last argument with the same action are joined (the first one's rule is named as the origin).
// On one argument the boxes are runs of values, written as `a <= last value` in ascending order
// (one comparison a rule, which the compiler searches).
//
// Only for trees of whole-value tests: a masked test with a partial mask is not an interval,
// and then the tree is still refused.

import SeccomposePolicy

extension LibseccompRuleDatabase {
    /// The grid's work limit: boxes × nodes (each box costs one evaluation of the tree).
    static let gridWorkLimit = 1 << 22

    /// The largest argument value the tree's tests tell apart (a 32-bit ABI compares one word).
    var argumentMaximum: UInt64 { wide ? .max : UInt64(UInt32.max) }

    /// The grid of a tree: the arguments it tests and, per argument, the ascending values
    /// where a box starts.
    struct GridPlan {
        var args: [Int]
        var starts: [[UInt64]]
        var cells: Int
        /// Whether the tree has an ordering test (`<`, `<=`, `>`, `>=`): only then can boxes be
        /// fewer than paths (a tree of `==` tests is already one path per value).
        var ordering: Bool
    }

    /// The grid of the tree at `root`, or nil when the tree is not made of whole-value tests or
    /// evaluating every box would cost too much.
    func gridPlan(root: Node) -> GridPlan? {
        // Breakpoints per argument: the values where some test's answer may change.
        var cuts: [Int: Set<UInt64>] = [:]
        var visited: Set<VisitKey> = []
        var whole = true, ordering = false
        func visit(_ start: Node?, known: [Int: UInt32]) {
            guard whole, let start else { return }
            var cursor: Node? = start.head
            while let n = cursor, whole {
                defer { cursor = n.nextSibling }
                guard visited.insert(VisitKey(node: ObjectIdentifier(n), known: known)).inserted else { continue }
                guard n.mask == .max else {
                    whole = false
                    return
                }
                if n.test == .greater || n.test == .greaterOrEqual { ordering = true }
                // Where the test's answer may change: for an upper word, the first value with
                // that word and the first with the next; otherwise the value the test stands for
                // and the one after it (none past the domain).
                let top = argumentMaximum
                let first: UInt64, next: UInt64?
                if wide, n.high {
                    first = UInt64(n.datum) << 32
                    next = n.datum < .max ? (UInt64(n.datum) + 1) << 32 : nil
                } else if wide {
                    guard let h = known[n.arg] else {
                        whole = false
                        return
                    }
                    first = UInt64(h) << 32 | UInt64(n.datum)
                    next = first < top ? first + 1 : nil
                } else {
                    first = UInt64(n.datum)
                    next = first < top ? first + 1 : nil
                }
                cuts[n.arg, default: [0]].insert(first)
                if let next { cuts[n.arg, default: [0]].insert(next) }
                var knownTrue = known
                if wide, n.high, n.test == .equal { knownTrue[n.arg] = n.datum }
                visit(n.nextTrue, known: knownTrue)
                visit(n.nextFalse, known: known)
            }
        }
        visit(root, known: [:])
        guard whole, !cuts.isEmpty else { return nil }
        let args = cuts.keys.sorted()
        let starts = args.map { cuts[$0, default: [0]].sorted() }
        var cells = 1
        for s in starts {
            cells = cells.multipliedReportingOverflow(by: s.count).partialValue
            guard cells <= Self.gridWorkLimit else { return nil }
        }
        guard cells.multipliedReportingOverflow(by: max(1, visited.count)).partialValue <= Self.gridWorkLimit else { return nil }
        return GridPlan(args: args, starts: starts, cells: cells, ordering: ordering)
    }

    /// The decision of the tree for `name` on the boxes of `plan`, as rules (the last one
    /// unconditional).
    func gridRules(_ name: String, plan: GridPlan) -> [FlatRule] {
        let (args, starts, cells) = (plan.args, plan.starts, plan.cells)
        let top = argumentMaximum
        var out: [FlatRule] = []
        var arguments = [UInt64](repeating: 0, count: 6)
        let fallback = Leaf(action: defaultAction, source: nil)
        if args.count == 1 {
            // One argument: runs of equal answers in ascending order, each `a <= its last value`
            // (first match), the last `a >= its first value`: rules of one comparison each, which
            // the compiler turns into one search over the argument.
            var runs: [(leaf: Leaf, from: UInt64)] = []
            for start in starts[0] {
                arguments[args[0]] = start
                let leaf = evaluate(name, arguments: arguments) ?? fallback
                if runs.last?.leaf.action != leaf.action { runs.append((leaf, start)) }
            }
            for (k, run) in runs.enumerated() {
                if k + 1 < runs.count {
                    out.append(FlatRule(conditions: [ArgumentCondition(index: args[0], .lessOrEqual, runs[k + 1].from - 1)], leaf: run.leaf))
                } else if run.leaf.action != defaultAction {
                    out.append(FlatRule(conditions: run.from > 0 ? [ArgumentCondition(index: args[0], .greaterOrEqual, run.from)] : [], leaf: run.leaf))
                }
            }
            out.append(FlatRule(conditions: [], leaf: fallback))
            return out
        }
        // Boxes in lexicographic order; the last argument varies fastest, so equal neighbours
        // along it are joined as they come.
        var position = [Int](repeating: 0, count: args.count)
        var pending: (leaf: Leaf, prefix: [Int], from: Int, to: Int)?
        func box(_ prefix: [Int], last: (from: Int, to: Int)) -> [ArgumentCondition] {
            var conditions: [ArgumentCondition] = []
            for (k, arg) in args.enumerated() {
                let (i, j) = k == args.count - 1 ? last : (prefix[k], prefix[k])
                let lo = starts[k][i], hi = j + 1 < starts[k].count ? starts[k][j + 1] - 1 : top
                if lo > 0 { conditions.append(ArgumentCondition(index: arg, .greaterOrEqual, lo)) }
                if hi < top { conditions.append(ArgumentCondition(index: arg, .lessOrEqual, hi)) }
            }
            return conditions
        }
        func flush() {
            guard let p = pending else { return }
            pending = nil
            guard p.leaf.action != defaultAction else { return }
            out.append(FlatRule(conditions: box(p.prefix, last: (p.from, p.to)), leaf: p.leaf))
        }
        for _ in 0..<cells {
            for (k, arg) in args.enumerated() { arguments[arg] = starts[k][position[k]] }
            let leaf = evaluate(name, arguments: arguments) ?? fallback
            let prefix = Array(position.dropLast())
            let last = position[args.count - 1]
            if let p = pending, p.leaf.action == leaf.action, p.prefix == prefix, p.to + 1 == last {
                pending?.to = last
            } else {
                flush()
                pending = (leaf, prefix, last, last)
            }
            // The next box.
            var k = args.count - 1
            while k >= 0 {
                position[k] += 1
                if position[k] < starts[k].count { break }
                position[k] = 0
                k -= 1
            }
        }
        flush()
        out.append(FlatRule(conditions: [], leaf: fallback))
        return out
    }

    struct VisitKey: Hashable {
        var node: ObjectIdentifier
        var known: [Int: UInt32]
    }
}
