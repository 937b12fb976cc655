// Resolution.swift: a policy's syscall names resolved once per compile, and the syscall tables
// by number, so that the passes and the checks work with small integers (no String hashing, no
// sorting, no copies of decisions in their loops).

import SeccomposePolicy
import SeccomposeSyscalls

/// One ABI's syscall table in number order (`SyscallTable.numberOrder(on:)`, made once per ABI
/// when first needed: a launch compiles for one to three ABIs, not all of them): the numbers
/// (base applied) ascending and each name id's rank among them (-1 where the ABI lacks it).
struct NumberOrder: Sendable {
    var numbers: [UInt32]
    var rankByID: [Int32]

    /// `abi`'s table in number order.
    static func of(_ abi: Architecture) -> NumberOrder {
        let order = SyscallTable.numberOrder(on: abi)
        return NumberOrder(numbers: order.numbers, rankByID: order.rankByID)
    }

    /// The first rank whose number is `>= n` in `numbers` (ascending).
    static func lowerBound(_ numbers: [UInt32], _ n: UInt32) -> Int {
        var lo = 0, hi = numbers.count
        while lo < hi {
            let m = (lo + hi) / 2
            if numbers[m] < n { lo = m + 1 } else { hi = m }
        }
        return lo
    }
}

extension Compiler {
    /// The policy's decision tables (as `JudgedTables`: the policy's own tables with the changes
    /// of the kernel-reads pass written over them, not copied) with their names resolved to ids
    /// (names no table knows are dropped), read once per compile: per entry the name id, where
    /// the decision sits (in its table's base dictionary or among the changes), and for the
    /// passes its plain action (an index into `actions`) or its rules (an index into `ruled`).
    struct Entries {
        typealias Position = Dictionary<String, SyscallDecision>.Index

        /// Where an entry's decision is: at a position of its table's base dictionary, or in `changed`.
        enum Source {
            case base(Position)
            case changed(Int)
        }

        struct Table {
            var ids: [Int32] = []
            var sources: [Source] = []
            /// >= 0: the decision has no rules, `actions[kind]` is its action; < 0: it has rules,
            /// `ruled[-kind - 1]` is the decision.
            var kinds: [Int32] = []
            var priorities: [Int] = []
            /// For the self-check, read from the decision itself (not from `kinds`): the value
            /// it returns for every call (`Action.returnValue`), or `byArguments` when it has rules.
            var returns: [UInt64] = []
            /// Which of `JudgedTables.perABI` this table is (nil: `JudgedTables.shared`).
            var abi: Architecture?
        }

        /// The tables read.
        var judged: JudgedTables
        var shared = Table()
        var perABI: [Table] = []
        /// The distinct actions of rule-free decisions (by `==`), the policy's default action
        /// first (index 0).
        var actions: [Action] = []
        /// The index of the policy's other-ABI action in `actions`.
        var otherArchitecture = 0
        var ruled: [SyscallDecision] = []
        /// The decisions the tables' changes hold (`Source.changed`).
        var changed: [SyscallDecision] = []

        init(judged: JudgedTables) { self.judged = judged }

        subscript(abi: Architecture) -> Table {
            for t in perABI where t.abi == abi { return t }
            return shared
        }

        /// The judged table `table` was read from.
        func judgedTable(_ table: Table) -> JudgedTables.Table {
            table.abi.flatMap { judged.perABI[$0] } ?? judged.shared
        }

        /// `Table.returns`' value of a decision with rules (above every 32-bit return value).
        static let byArguments = UInt64(1) << 32

        /// The index of `a` in `actions`, added when new.
        mutating func actionIndex(_ a: Action) -> Int32 {
            for (i, b) in actions.enumerated() where same(a, b) { return Int32(i) }
            actions.append(a)
            return Int32(actions.count - 1)
        }
    }

    /// `a == b`, inlined (the synthesized `==` of another module is a call per comparison);
    /// exhaustive, so that a new action cannot compare wrongly.
    @inline(__always) static func same(_ a: Action, _ b: Action) -> Bool {
        switch (a, b) {
        case (.allow, .allow), (.killProcess, .killProcess), (.killThread, .killThread), (.log, .log), (.userNotif, .userNotif):
            return true
        case (.errno(let x), .errno(let y)), (.trap(let x), .trap(let y)), (.trace(let x), .trace(let y)):
            return x == y
        case (.allow, _), (.killProcess, _), (.killThread, _), (.log, _), (.userNotif, _), (.errno, _), (.trap, _), (.trace, _):
            return false
        }
    }

    /// `policy`'s own tables resolved (no pass applied).
    static func resolvedEntries(_ policy: Policy) -> Entries {
        resolvedEntries(JudgedTables(unjudged: policy))
    }

    static func resolvedEntries(_ judged: JudgedTables) -> Entries {
        var e = Entries(judged: judged)
        let policy = judged.source
        e.actions = [policy.defaultAction]
        e.otherArchitecture = Int(e.actionIndex(policy.otherArchitectureAction))
        let names = SyscallTable.nameIndex
        var last: (action: Action, kind: Int32)?
        // The kind of a decision without rules whose action is `a` (consecutive entries often share it).
        func plainKind(_ a: Action) -> Int32 {
            if let l = last, same(l.action, a) { return l.kind }
            let kind = e.actionIndex(a)
            last = (a, kind)
            return kind
        }
        // The shared table's base, and the id of each of its entries in iteration order (-1 for
        // a name no table knows): a per-ABI table laid out as the shared one (a copy of it with
        // a few decisions changed, as the profile importer makes them) takes an entry's id from
        // the shared entry at the same position when the names are equal, without a lookup.
        let sharedBase = judged.shared.base
        var sharedIDs: [Int32] = []
        func resolve(_ jt: JudgedTables.Table, abi: Architecture?) -> Entries.Table {
            let t = jt.base
            var out = Entries.Table()
            out.abi = abi
            let capacity = t.count + jt.changes.count
            out.ids.reserveCapacity(capacity)
            out.sources.reserveCapacity(capacity)
            out.kinds.reserveCapacity(capacity)
            out.priorities.reserveCapacity(capacity)
            out.returns.reserveCapacity(capacity)
            // The changed names first (their ids marked, so that base's entries for them are
            // skipped), then base's entries.
            var replaced: [Bool] = []
            if !jt.changes.isEmpty {
                replaced = [Bool](repeating: false, count: SyscallTable.allNames.count)
                for (name, change) in jt.changes {
                    guard let id = names.id(of: name), id < replaced.count else { continue }
                    replaced[id] = true
                    guard let d = change else { continue }
                    let kind: Int32
                    if d.rules.isEmpty {
                        kind = plainKind(d.action)
                    } else {
                        e.ruled.append(d)
                        kind = -Int32(e.ruled.count)
                    }
                    e.changed.append(d)
                    out.ids.append(Int32(id))
                    out.sources.append(.changed(e.changed.count - 1))
                    out.kinds.append(kind)
                    out.priorities.append(d.priority)
                    out.returns.append(d.rules.isEmpty ? UInt64(d.action.returnValue) : Entries.byArguments)
                }
            }
            // Records the shared table's ids (its first resolution, when per-ABI tables follow),
            // or reads them in step; a table not laid out as the shared one (more than eight
            // names out of step beyond those in step) is no longer read in step.
            let recording = abi == nil && !judged.perABI.isEmpty
            if recording { sharedIDs = [Int32](repeating: -1, count: t.count) }
            var inStep = abi != nil && sharedIDs.count == sharedBase.count
            var j = sharedBase.startIndex, k = 0, credit = 8
            var i = t.startIndex
            while i != t.endIndex {
                defer { i = t.index(after: i) }
                var known: Int32?
                if inStep, j != sharedBase.endIndex {
                    // In step with the shared table (its entry at this position, or, after a
                    // name the shared table lacks, the next one).
                    let key = t.keys[i]
                    if sharedBase.keys[j] == key {
                        known = sharedIDs[k]
                    } else {
                        let next = sharedBase.index(after: j)
                        if next != sharedBase.endIndex, sharedBase.keys[next] == key {
                            j = next
                            k += 1
                            known = sharedIDs[k]
                        }
                    }
                    if known != nil {
                        j = sharedBase.index(after: j)
                        k += 1
                        credit += 1
                    } else {
                        credit -= 1
                        inStep = credit > 0
                    }
                }
                let found: Int?
                if let known {
                    found = known < 0 ? nil : Int(known)
                } else {
                    found = names.id(of: t.keys[i])
                    if recording {
                        sharedIDs[k] = Int32(found ?? -1)
                        k += 1
                    }
                }
                guard let id = found else { continue }
                if !replaced.isEmpty, replaced[id] { continue }
                let kind: Int32
                if t.values[i].rules.isEmpty {
                    let a = t.values[i].action
                    kind = plainKind(a)
                    out.returns.append(UInt64(a.returnValue))
                } else {
                    e.ruled.append(t.values[i])
                    kind = -Int32(e.ruled.count)
                    out.returns.append(Entries.byArguments)
                }
                out.ids.append(Int32(id))
                out.sources.append(.base(i))
                out.kinds.append(kind)
                out.priorities.append(t.values[i].priority)
            }
            return out
        }
        e.shared = resolve(judged.shared, abi: nil)
        for abi in judged.perABI.keys.sorted() {
            if let t = judged.perABI[abi] { e.perABI.append(resolve(t, abi: abi)) }
        }
        return e
    }
}
