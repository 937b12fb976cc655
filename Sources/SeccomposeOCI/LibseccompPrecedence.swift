// LibseccompPrecedence.swift: a profile's rules, as runc adds them, through libseccomp's rule
// database: the policy they make on each ABI, what libseccomp refuses, and the findings
// `check --profile` reports (rules that never decide, pairs that precedence decides).

import SeccomposePolicy
import SeccomposeSyscalls

/// One rule as runc adds it to libseccomp (`seccomp_rule_add_array`): one syscall name, an
/// action, at most one condition per argument, and where the profile wrote it.
public struct RuncRule: Sendable, Hashable {
    /// The rule's index in the profile's `syscalls` array.
    public var index: Int
    /// The syscall name.
    public var name: String
    /// The action.
    public var action: Action
    /// The conditions, ANDed.
    public var conditions: [ArgumentCondition]
    /// Where the rule is (its `syscalls[N]` entry).
    public var origin: Origin

    /// A rule of `syscalls[index]` for `name`.
    public init(index: Int, name: String, action: Action, conditions: [ArgumentCondition], origin: Origin) {
        self.index = index
        self.name = name
        self.action = action
        self.conditions = conditions
        self.origin = origin
    }
}

/// Builds a profile's policy with libseccomp's precedence (docs/oci-profiles.md).
public enum LibseccompPrecedence {
    /// The policy and the findings about precedence.
    public struct Built: Sendable {
        /// The policy: per ABI, the decisions libseccomp's rule database makes of the rules.
        public var policy: Policy
        /// Warnings: rules that never decide a call (`shadowed`), pairs of rules whose outcome
        /// libseccomp's precedence decides against the profile's order (`precedence`).
        public var findings: [OCIDiagnostic]
    }

    /// ABIs whose filters libseccomp builds alike: the same argument width and multiplexing.
    struct Group: Hashable {
        var wide: Bool
        var multiplexes: Bool
    }

    static func group(_ abi: Architecture) -> Group {
        Group(wide: abi.argumentBits == 64, multiplexes: Multiplexer.libseccompMultiplexingABIs.contains(abi))
    }

    /// The rule database libseccomp fills from `rules` for ABIs of `group`: on a multiplexing
    /// ABI a rule for a socket or SysV IPC call also goes to socketcall()/ipc(), its argument 0
    /// replaced by `== call` (before the direct rule, as libseccomp adds them) when `copies`.
    static func database(_ rules: [RuncRule], group: Group, abis: [Architecture], defaultAction: Action, copies: Bool,
        release: LibseccompRuleDatabase.Release, file: String) throws(OCIDiagnostic) -> LibseccompRuleDatabase
    {
        var db = LibseccompRuleDatabase(wide: group.wide, defaultAction: defaultAction, release: release)
        for (k, r) in rules.enumerated() {
            var hasDirect = true
            if group.multiplexes, let (m, call) = Multiplexer.reaching(r.name) {
                hasDirect = abis.contains { SyscallTable.number(of: r.name, on: $0) != nil }
                if copies {
                    let conditions = [ArgumentCondition(index: 0, .equal, call)] + r.conditions.filter { $0.index != 0 }
                    do { try db.add(r.action, syscall: m.rawValue, conditions, source: k) } catch {
                        throw refusal(error, rule: r, rules: rules, via: m, abis: abis, file: file)
                    }
                }
            }
            // (Without the copies, the direct rule is kept even where the ABI lacks the call: the
            // importer reads it to give the sub-call the direct call's decision.)
            guard hasDirect || !copies else { continue }
            do { try db.add(r.action, syscall: r.name, r.conditions, source: k) } catch {
                throw refusal(error, rule: r, rules: rules, via: nil, abis: abis, file: file)
            }
        }
        return db
    }

    static func refusal(_ e: LibseccompRuleDatabase.Refusal, rule r: RuncRule, rules: [RuncRule], via m: Multiplexer?,
        abis: [Architecture], file: String) -> OCIDiagnostic
    {
        let other = e.conflicting.map { rules[$0] }
        let against = other.map { " against syscalls[\($0.index)] (line \($0.origin.line), \(describe($0)))" } ?? ""
        let route = m.map { " in the \($0.rawValue)() copy libseccomp makes of it on \(abis.filter { group($0).multiplexes }.map(\.name).joined(separator: ", "))" } ?? ""
        return OCIDiagnostic(severity: "error", path: "\(file):\(r.origin.line):\(r.origin.column): syscalls[\(r.index)]",
            message: "libseccomp refuses this rule (\(describe(r)))\(route): \(e.reason)\(against); runc fails to load the profile",
            fix: "give the rules of \(r.name) with the same conditions the same action, or remove one of them (docs/oci-profiles.md)",
            code: "libseccomp-refuses")
    }

    static func describe(_ r: RuncRule) -> String {
        let conds = r.conditions.isEmpty ? "always" : r.conditions.map(\.description).joined(separator: " && ")
        return "\(r.name) \(conds) -> \(r.action)"
    }

    /// The policy libseccomp builds from `rules` (in the order runc adds them) for `abis`, and
    /// the precedence findings.
    ///
    /// `libseccompMultiplexing`: the socketcall()/ipc() copies exactly as libseccomp makes them
    /// (the systemd mode). Otherwise a sub-call whose direct call is decided by one
    /// unconditional rule gets that rule's action through `socketcall(call)`/`ipc(call)` (the
    /// call number is a register, so this is exact) and the compiler closes the other sub-calls.
    ///
    /// - Throws: `OCIDiagnostic` (`libseccomp-refuses`) where libseccomp refuses a rule.
    public static func build(_ rules: [RuncRule], abis: [Architecture], defaultAction: Action, file: String,
        libseccompMultiplexing: Bool, release: LibseccompRuleDatabase.Release = .v2_6_1) throws(OCIDiagnostic) -> Built
    {
        var groups: [Group] = []
        for a in abis where !groups.contains(group(a)) { groups.append(group(a)) }
        var tables: [Group: [String: SyscallDecision]] = [:]
        var findings: [OCIDiagnostic] = []
        var reported: Set<String> = []
        for g in groups {
            let members = abis.filter { group($0) == g }
            let exact = try database(rules, group: g, abis: members, defaultAction: defaultAction, copies: g.multiplexes,
                release: release, file: file)
            for f in self.findings(exact, rules: rules, file: file) where reported.insert(f.code + f.path).inserted { findings.append(f) }
            let db = libseccompMultiplexing || !g.multiplexes ? exact
                : try database(rules, group: g, abis: members, defaultAction: defaultAction, copies: false, release: release, file: file)
            var table: [String: SyscallDecision] = [:]
            for name in db.names {
                do {
                    table[name] = try db.decision(for: name) { rules[$0].origin }
                } catch {
                    throw OCIDiagnostic(severity: "error", path: "\(file): syscalls", message: "the rules for \(name): \(error.reason)",
                        fix: "split the profile's rules for \(name) into fewer, simpler ones")
                }
            }
            if !libseccompMultiplexing, g.multiplexes {
                for m in Multiplexer.allCases where table[m.rawValue] == nil && members.contains(where: { SyscallTable.number(of: m.rawValue, on: $0) != nil }) {
                    var added: [Rule] = []
                    for (name, call) in m.subcalls {
                        guard db.isUnconditional(name), let d = table[name], d.action != defaultAction else { continue }
                        added.append(Rule([m.selects(call)], action: d.action, origin: d.origin))
                    }
                    if !added.isEmpty { table[m.rawValue] = SyscallDecision(action: defaultAction, rules: added) }
                }
            }
            tables[g] = table
        }
        guard let first = abis.first, let main = tables[group(first)] else {
            return Built(policy: Policy(defaultAction: defaultAction, architectures: abis, otherArchitectureAction: .killThread),
                findings: findings)
        }
        var policy = Policy(defaultAction: defaultAction, architectures: abis, otherArchitectureAction: .killThread, syscalls: main)
        var differences: [Architecture: [String]] = [:]
        for a in abis {
            if let t = tables[group(a)], t != main { (policy.abiSyscalls[a], differences[a]) = sharingLayout(t, with: main) }
        }
        // Last: a change to the tables empties the hint.
        policy.abiDifferences = differences
        return Built(policy: policy, findings: findings)
    }

    /// `table` (the same names and decisions) made as a copy of `main` with their differences
    /// written over it: a dictionary copy keeps its original's layout, so the entries the two
    /// share sit at the same positions, and the compiler resolves their names once for both
    /// (`Compiler.resolvedEntries` reads a per-ABI table in step with the shared one), and the
    /// names whose decisions differ from `main`'s (removed, changed or added), for
    /// `Policy.abiDifferences`.
    static func sharingLayout(_ table: [String: SyscallDecision], with main: [String: SyscallDecision])
        -> (table: [String: SyscallDecision], differences: [String])
    {
        var out = main
        var differences: [String] = []
        for name in main.keys where table.index(forKey: name) == nil {
            out.removeValue(forKey: name)
            differences.append(name)
        }
        for (name, d) in table where out[name] != d {
            out[name] = d
            differences.append(name)
        }
        return (out, differences)
    }

    // MARK: Findings

    /// Arguments that satisfy every condition (on `bits`-bit arguments), preferring the
    /// constants themselves and their neighbours; nil when none of the tried values does.
    static func witness(_ conditions: [ArgumentCondition], bits: Int) -> [UInt64]? {
        var candidates: [Int: [UInt64]] = [:]
        for c in conditions {
            var list = candidates[c.index] ?? []
            let base = c.op == .maskedEqual ? c.value & c.mask : c.value
            for v in [base, base &+ 1, base &- 1, base | ~c.mask] where !list.contains(v) { list.append(v) }
            candidates[c.index] = list
        }
        // The constants and their neighbours first (small examples), then the extremes.
        for (i, list) in candidates {
            candidates[i] = list.sorted() + [0, 0xFFFF_FFFF, 0x1_0000_0000, .max].filter { !list.contains($0) }
        }
        let indexes = candidates.keys.sorted()
        var args = [UInt64](repeating: 0, count: 6)
        var tried = 0
        func search(_ k: Int) -> Bool {
            if k == indexes.count {
                tried += 1
                return conditions.allSatisfy { $0.holds(for: args[$0.index], argumentBits: bits) }
            }
            for v in candidates[indexes[k]] ?? [] {
                args[indexes[k]] = v
                if search(k + 1) { return true }
                if tried > 20_000 { return false }
            }
            return false
        }
        return search(0) ? args : nil
    }

    static func call(_ name: String, _ args: [UInt64]) -> String {
        var shown = args
        while shown.count > 1, shown.last == 0 { shown.removeLast() }
        return "\(name)(" + shown.map { $0 < 4096 ? String($0) : "0x" + String($0, radix: 16) }.joined(separator: ", ") + ")"
    }

    /// Rules that never decide a call, and pairs whose common calls libseccomp gives to the
    /// later rule.
    static func findings(_ db: LibseccompRuleDatabase, rules: [RuncRule], file: String) -> [OCIDiagnostic] {
        var out: [OCIDiagnostic] = []
        let bits = db.wide ? 64 : 32
        var byName: [String: [Int]] = [:]
        for (k, r) in rules.enumerated() { byName[r.name, default: []].append(k) }
        // (A name the database lacks has no direct call on these ABIs: nothing to judge.)
        for name in byName.keys.sorted() where db.contains(name) {
            guard let ks = byName[name] else { continue }
            let deciding = db.sources(of: name)
            for k in ks where !deciding.contains(k) {
                let r = rules[k]
                let at = "\(file):\(r.origin.line):\(r.origin.column): syscalls[\(r.index)]"
                var why: String
                if let w = witness(r.conditions, bits: bits), let leaf = db.evaluate(name, arguments: w) {
                    if let s = leaf.source {
                        let o = rules[s]
                        why = "syscalls[\(o.index)] (line \(o.origin.line), \(describe(o))) decides the calls it matches, e.g. \(call(name, w)) gets \(leaf.action)"
                        if o.conditions.isEmpty {
                            why += ": libseccomp drops every conditional rule of a syscall that has an unconditional one, whatever their order"
                        } else if o.index == r.index || o.action == r.action {
                            why += " (the same action, so this rule is redundant)"
                        }
                    } else {
                        why = "libseccomp leaves the calls it matches to the default action, e.g. \(call(name, w))"
                    }
                } else {
                    why = "no call matches its conditions"
                }
                out.append(OCIDiagnostic(severity: "warning", path: at,
                    message: "this rule (\(describe(r))) never decides a call: \(why)",
                    fix: "remove it, or change the rule that decides instead (docs/oci-profiles.md)", code: "shadowed"))
            }
            let conditional = ks.filter { deciding.contains($0) && !rules[$0].conditions.isEmpty }
            // Only rules with different actions can disagree: pairs are formed across actions
            // (thousands of rules with one action, an ioctl allow-list, make no pairs at all).
            var byAction: [Action: [Int]] = [:]
            var actionOrder: [Action] = []
            for k in conditional {
                if byAction[rules[k].action] == nil { actionOrder.append(rules[k].action) }
                byAction[rules[k].action, default: []].append(k)
            }
            var pairs: [(Int, Int)] = []
            for (x, a) in actionOrder.enumerated() {
                for b in actionOrder[(x + 1)...] {
                    for i in byAction[a] ?? [] {
                        for j in byAction[b] ?? [] where rules[i].index != rules[j].index
                            && !Self.equalitiesDisagree(rules[i].conditions, rules[j].conditions, bits: bits)
                        {
                            pairs.append(i < j ? (i, j) : (j, i))
                        }
                    }
                }
            }
            pairs.sort { $0 < $1 }
            for (i, j) in pairs {
                guard let w = witness(rules[i].conditions + rules[j].conditions, bits: bits),
                    let leaf = db.evaluate(name, arguments: w), leaf.source == j
                else { continue }
                let a = rules[i], b = rules[j]
                out.append(OCIDiagnostic(severity: "warning",
                    path: "\(file):\(b.origin.line):\(b.origin.column): syscalls[\(b.index)]",
                    message: "this rule (\(describe(b))) and syscalls[\(a.index)] (line \(a.origin.line), \(describe(a))) both match calls such as \(call(name, w)): libseccomp's precedence gives them \(b.action), this later rule's action, not \(a.action) as the profile's order suggests",
                    fix: "make the two rules' conditions disjoint so that their order does not matter (precedence: docs/oci-profiles.md)",
                    code: "precedence"))
            }
        }
        return out
    }

    /// Whether two rules test one argument for equality with different constants (then no call
    /// matches both: a quick test before searching for a witness).
    static func equalitiesDisagree(_ a: [ArgumentCondition], _ b: [ArgumentCondition], bits: Int) -> Bool {
        for x in a where x.op == .equal {
            for y in b where y.op == .equal && y.index == x.index {
                let keep: UInt64 = bits <= 32 || x.is32Bit || y.is32Bit ? 0xFFFF_FFFF : .max
                if x.value & keep != y.value & keep { return true }
            }
        }
        return false
    }
}
