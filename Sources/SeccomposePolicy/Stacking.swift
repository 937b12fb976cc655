// Stacking.swift: one policy with the decisions of two stacked seccomp filters.
//
// The kernel runs every installed filter and keeps the result with the highest precedence; on
// a tie the most recently installed filter's result (data included) wins (`Action.stacked`).
// `stacked(under:)` folds two policies into one with exactly those decisions.

import SeccomposeSyscalls

/// What a policy decides for one ABI: the action for numbers it does not name, and its table.
package struct ABIDecisions: Sendable, Hashable {
    /// The ABI.
    package var abi: Architecture
    /// The action for every syscall number of the ABI that `syscalls` does not decide.
    package var defaultAction: Action
    /// The per-syscall decisions, by name (names the ABI lacks have no effect).
    package var syscalls: [String: SyscallDecision]

    package init(abi: Architecture, defaultAction: Action, syscalls: [String: SyscallDecision]) {
        self.abi = abi
        self.defaultAction = defaultAction
        self.syscalls = syscalls
    }
}

extension Policy {
    /// The one policy that decides like `self` and `later` installed as two stacked filters,
    /// `self` first: for every ABI, syscall number and argument values its action is
    /// `Action.stacked(earlier: self.action(…), later: later.action(…))`.
    ///
    /// - ABIs that only one policy judges keep the other policy's `otherArchitectureAction` in
    ///   the combination; the result judges the union of both ABI lists (in `self`'s order,
    ///   then `later`'s), and its `otherArchitectureAction` is the combination of both.
    /// - Argument rules are combined as the product of the two first-match lists, so every
    ///   combination of a rule of each side (and of either side's fallback) gets its own rule.
    ///   Rules that cannot change a decision (trailing rules whose action equals what follows,
    ///   rules after an unconditional one) are left out.
    /// - Where the combined per-ABI decisions differ, the result uses per-ABI tables
    ///   (`abiSyscalls`). An ABI whose calls all end up with the combined other-ABI action (an
    ///   ABI blocked by an architecture filter, for instance) is left out of `architectures`,
    ///   which gives it exactly that action.
    ///
    /// Limitation: `Policy` has one `defaultAction` for the numbers no table names. When the
    /// combined defaults of the judged ABIs differ (and an ABI cannot be left out as above), the
    /// ABIs in the minority get a table that names every syscall they have, so every named
    /// number is exact; their unnamed numbers (gaps in the syscall table) get the majority's
    /// default.
    public func stacked(under later: Policy) -> Policy {
        let other = Action.stacked(earlier: otherArchitectureAction, later: later.otherArchitectureAction)
        var abis = architectures
        for abi in later.architectures where !abis.contains(abi) { abis.append(abi) }

        let bothGeneric = { (abi: Architecture) in
            self.architectures.contains(abi) && later.architectures.contains(abi)
                && self.abiSyscalls[abi] == nil && later.abiSyscalls[abi] == nil
        }
        let genericDefault = Action.stacked(earlier: defaultAction, later: later.defaultAction)
        let generic = abis.contains(where: bothGeneric)
            ? Policy.stackTables(syscalls, defaultAction, later.syscalls, later.defaultAction) : nil

        // ABIs whose two sides are the same tables (the same storage) under the same defaults get
        // one stacked table, shared: it is made once, and `assemble` sees at once that it serves them all.
        var made: [(earlier: ABIDecisions, later: ABIDecisions, table: [String: SyscallDecision])] = []
        func alike(_ a: ABIDecisions, _ b: ABIDecisions) -> Bool {
            a.defaultAction == b.defaultAction && Policy.sharesStorage(a.syscalls, b.syscalls)
        }
        var views: [ABIDecisions] = []
        for abi in abis {
            if let generic, bothGeneric(abi) {
                views.append(ABIDecisions(abi: abi, defaultAction: genericDefault, syscalls: generic))
                continue
            }
            let e = view(on: abi), l = later.view(on: abi)
            let table: [String: SyscallDecision]
            if let hit = made.first(where: { alike($0.earlier, e) && alike($0.later, l) }) {
                table = hit.table
            } else {
                table = Policy.stackTables(e.syscalls, e.defaultAction, l.syscalls, l.defaultAction)
                made.append((e, l, table))
            }
            views.append(ABIDecisions(abi: abi, defaultAction: Action.stacked(earlier: e.defaultAction, later: l.defaultAction),
                syscalls: table))
        }
        return Policy.assemble(views, otherArchitectureAction: other, preferredTable: generic)
    }

    /// What the policy decides for `abi` (its default and table, or the other-ABI action).
    func view(on abi: Architecture) -> ABIDecisions {
        architectures.contains(abi)
            ? ABIDecisions(abi: abi, defaultAction: defaultAction, syscalls: decisions(for: abi))
            : ABIDecisions(abi: abi, defaultAction: otherArchitectureAction, syscalls: [:])
    }

    /// The stacked table of two tables with their defaults, over the union of their names.
    static func stackTables(
        _ earlier: [String: SyscallDecision], _ earlierDefault: Action, _ later: [String: SyscallDecision],
        _ laterDefault: Action
    ) -> [String: SyscallDecision] {
        // Under an ALLOW default (ALLOW never outranks anything and loses ties), a decision only
        // one side names stacks to itself: the larger table is kept as it is (its storage shared)
        // and only the other side's names are stacked into it.
        func keptAsIs(_ t: [String: SyscallDecision]) -> Bool { t.values.allSatisfy { $0.isNormalized && $0.priority >= 0 } }
        if earlierDefault == .allow, later.count >= earlier.count, keptAsIs(later) {
            var out = later
            for (name, e) in earlier { out[name] = SyscallDecision.stacked(e, earlierDefault, later[name], laterDefault) }
            return out
        }
        if laterDefault == .allow, earlier.count >= later.count, keptAsIs(earlier) {
            var out = earlier
            for (name, l) in later { out[name] = SyscallDecision.stacked(earlier[name], earlierDefault, l, laterDefault) }
            return out
        }
        var out: [String: SyscallDecision] = [:]
        out.reserveCapacity(earlier.count + later.count)
        for (name, e) in earlier {
            out[name] = SyscallDecision.stacked(e, earlierDefault, later[name], laterDefault)
        }
        for (name, l) in later where earlier[name] == nil {
            out[name] = SyscallDecision.stacked(nil, earlierDefault, l, laterDefault)
        }
        return out
    }

    /// A policy with exactly the given per-ABI decisions (in the given ABI order) and
    /// `otherArchitectureAction` for every other ABI.
    ///
    /// The most common default becomes `defaultAction`; an ABI whose default differs is left out
    /// when all of its calls get the other-ABI action, and otherwise gets a table naming every
    /// syscall it has (see the limitation in `stacked(under:)`). `syscalls` is `preferredTable`
    /// or an ABI's table, whichever serves the most ABIs; the others get per-ABI tables.
    package static func assemble(
        _ views: [ABIDecisions], otherArchitectureAction other: Action, preferredTable: [String: SyscallDecision]? = nil
    ) -> Policy {
        // Tables that are normalized already (every stacked table is) are kept as they are, so
        // that ABIs sharing one table still share its storage (equal tables compare at once).
        // A table several ABIs share is looked at once.
        var normalizedTables: [(written: [String: SyscallDecision], normalized: [String: SyscallDecision])] = []
        func normalized(_ t: [String: SyscallDecision]) -> [String: SyscallDecision] {
            if let hit = normalizedTables.first(where: { sharesStorage($0.written, t) }) { return hit.normalized }
            let n = t.values.allSatisfy(\.isNormalized) ? t : t.mapValues { $0.normalized() }
            normalizedTables.append((t, n))
            return n
        }
        let views = views.map { v in
            ABIDecisions(abi: v.abi, defaultAction: v.defaultAction, syscalls: normalized(v.syscalls))
        }
        // ABIs that can be represented by leaving them out.
        let droppable = views.map { v in v.defaultAction == other && isUniform(v) }
        var counts: [(Action, Int)] = []
        for (v, drop) in zip(views, droppable) where !drop {
            if let i = counts.firstIndex(where: { $0.0 == v.defaultAction }) {
                counts[i].1 += 1
            } else {
                counts.append((v.defaultAction, 1))
            }
        }
        var chosenDefault = views.first?.defaultAction ?? other
        var best = 0
        for (action, n) in counts where n > best {
            chosenDefault = action
            best = n
        }

        var kept: [ABIDecisions] = []
        for (v, drop) in zip(views, droppable) {
            if v.defaultAction == chosenDefault {
                kept.append(v)
            } else if !drop {
                var full = v
                for (name, _) in SyscallTable.syscalls(on: v.abi) where full.syscalls[name] == nil {
                    full.syscalls[name] = SyscallDecision(action: v.defaultAction)
                }
                kept.append(full)
            }
        }

        // The shared table: the candidate that serves the most ABIs.
        var candidates: [[String: SyscallDecision]] = []
        if let preferredTable {
            candidates.append(normalized(preferredTable))
        }
        for v in kept where v.defaultAction == chosenDefault && !candidates.contains(v.syscalls) {
            candidates.append(v.syscalls)
        }
        var shared = candidates.first ?? [:]
        var sharedServes: [Bool] = kept.map { _ in false }
        var bestCount = -1
        for candidate in candidates {
            let served = kept.map { Policy.serves(candidate, chosenDefault, $0) }
            let n = served.filter { $0 }.count
            if n > bestCount {
                bestCount = n
                shared = candidate
                sharedServes = served
            }
            if n == kept.count { break }
        }

        var policy = Policy(defaultAction: chosenDefault, architectures: kept.map(\.abi),
            otherArchitectureAction: other, syscalls: shared)
        for (v, ok) in zip(kept, sharedServes) where !ok { policy.abiSyscalls[v.abi] = v.syscalls }
        return policy
    }

    /// Whether two tables are one and the same storage (then they are equal; false says nothing):
    /// a look at the dictionaries' own bits, which are a reference to their storage.
    package static func sharesStorage(_ a: [String: SyscallDecision], _ b: [String: SyscallDecision]) -> Bool {
        withUnsafeBytes(of: a) { x in withUnsafeBytes(of: b) { y in x.elementsEqual(y) } }
    }

    /// Whether every syscall of the ABI gets the ABI's default, whatever the arguments.
    static func isUniform(_ v: ABIDecisions) -> Bool {
        v.syscalls.allSatisfy { name, d in
            (d.rules.isEmpty && d.action == v.defaultAction) || SyscallTable.number(of: name, on: v.abi) == nil
        }
    }

    /// Whether `table` with `defaultAction` decides every syscall of `v.abi` as `v` does.
    static func serves(_ table: [String: SyscallDecision], _ defaultAction: Action, _ v: ABIDecisions) -> Bool {
        // The same table under the same default (most often the very same storage, which compares
        // at once) decides alike without a look at each name.
        if defaultAction == v.defaultAction, table.count == v.syscalls.count, table == v.syscalls { return true }
        func same(_ name: String, _ x: SyscallDecision?, _ y: SyscallDecision?) -> Bool {
            guard SyscallTable.number(of: name, on: v.abi) != nil else { return true }
            return (x?.action ?? defaultAction) == (y?.action ?? v.defaultAction)
                && SyscallDecision.sameRules(x?.rules ?? [], y?.rules ?? [])
        }
        let sameDefault = defaultAction == v.defaultAction
        for (name, y) in v.syscalls {
            let x = table[name]
            // Equal decisions under equal defaults decide alike, whether or not the ABI has the call.
            if sameDefault, let x, x.action == y.action, SyscallDecision.sameRules(x.rules, y.rules) { continue }
            if !same(name, x, y) { return false }
        }
        for (name, x) in table where v.syscalls[name] == nil {
            if !same(name, x, nil) { return false }
        }
        return true
    }
}

extension SyscallDecision {
    /// Whether `normalized()` returns the decision unchanged.
    var isNormalized: Bool {
        rules.last?.action != action && !rules.contains { $0.conditions.isEmpty }
    }

    /// The same decisions without rules that cannot decide: rules after one without
    /// conditions (which then becomes the fallback) and trailing rules with the fallback's action.
    func normalized() -> SyscallDecision {
        var d = self
        if let k = d.rules.firstIndex(where: { $0.conditions.isEmpty }) {
            d.action = d.rules[k].action
            d.origin = d.rules[k].origin ?? d.origin
            d.rules.removeSubrange(k...)
        }
        while let last = d.rules.last, last.action == d.action { d.rules.removeLast() }
        return d
    }

    /// Whether two rule lists are the same conditions and actions in the same order (origins aside).
    static func sameRules(_ a: [Rule], _ b: [Rule]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.conditions == $1.conditions && $0.action == $1.action }
    }

    /// The decision of two stacked filters for one syscall: `earlier` (nil: `earlierDefault`)
    /// installed first, `later` (nil: `laterDefault`) on top.
    ///
    /// For first-match lists A = (a1…an, fa) and B = (b1…bm, fb) the result is the first-match
    /// list: for each ai, (ai ∧ b1 … ai ∧ bm, each with stacked(ai, bj)), then ai with
    /// stacked(ai, fb); then each bj with stacked(fa, bj); fallback stacked(fa, fb).
    static func stacked(_ earlier: SyscallDecision?, _ earlierDefault: Action, _ later: SyscallDecision?,
        _ laterDefault: Action) -> SyscallDecision
    {
        let a = (earlier ?? SyscallDecision(action: earlierDefault)).normalized()
        let b = (later ?? SyscallDecision(action: laterDefault)).normalized()
        /// The later side's origin when it has a decision of its own and its action is the
        /// result, else the earlier side's.
        func origin(_ result: Action, _ e: Origin?, _ l: Origin?, laterAction: Action, laterExists: Bool = true) -> Origin? {
            (laterExists && result == laterAction) ? l : (e ?? l)
        }
        var rules: [Rule] = []
        for ai in a.rules {
            var tail = Action.stacked(earlier: ai.action, later: b.action)
            var tailOrigin = origin(tail, ai.origin, b.origin, laterAction: b.action, laterExists: later != nil)
            var block: [Rule] = []
            for bj in b.rules {
                let r = Action.stacked(earlier: ai.action, later: bj.action)
                let o = origin(r, ai.origin, bj.origin, laterAction: bj.action)
                let extra = bj.conditions.filter { !ai.conditions.contains($0) }
                if extra.isEmpty {
                    // bj holds whenever ai does: it ends the block.
                    tail = r
                    tailOrigin = o
                    break
                }
                block.append(Rule(ai.conditions + extra, action: r, origin: o))
            }
            while let last = block.last, last.action == tail { block.removeLast() }
            rules += block
            rules.append(Rule(ai.conditions, action: tail, origin: tailOrigin))
        }
        for bj in b.rules {
            let r = Action.stacked(earlier: a.action, later: bj.action)
            rules.append(Rule(bj.conditions, action: r, origin: origin(r, a.origin, bj.origin, laterAction: bj.action)))
        }
        let fallback = Action.stacked(earlier: a.action, later: b.action)
        while let last = rules.last, last.action == fallback { rules.removeLast() }
        let o = origin(fallback, earlier == nil ? nil : a.origin, later == nil ? nil : b.origin, laterAction: b.action,
            laterExists: later != nil)
        return SyscallDecision(action: fallback, origin: o, rules: rules, priority: max(a.priority, b.priority))
    }
}
