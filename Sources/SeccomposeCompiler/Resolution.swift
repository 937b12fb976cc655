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
    /// (names no table knows are dropped), read once per compile: per entry the name id and for
    /// the passes its plain action (an index into `actions`) or its rules (an index into `ruled`).
    struct Entries {
        struct Table {
            var ids: [Int32] = []
            /// >= 0: the decision has no rules, `actions[kind]` is its action; < 0: it has rules,
            /// `ruled[-kind - 1]` is the decision.
            var kinds: [Int32] = []
            var priorities: [Int] = []
            /// For the self-check, read from the decision itself (not from `kinds`): the value
            /// it returns for every call (`Action.returnValue`), or `byArguments` when it has rules.
            var returns: [UInt64] = []
            /// Which of `JudgedTables.perABI` this table is (nil: `JudgedTables.shared`).
            var abi: Architecture?

            mutating func reserveCapacity(_ n: Int) {
                ids.reserveCapacity(n)
                kinds.reserveCapacity(n)
                priorities.reserveCapacity(n)
                returns.reserveCapacity(n)
            }

            /// Appends `other`'s rows `range`.
            mutating func append(rows range: Range<Int>, of other: Table) {
                guard !range.isEmpty else { return }
                ids.append(contentsOf: other.ids[range])
                kinds.append(contentsOf: other.kinds[range])
                priorities.append(contentsOf: other.priorities[range])
                returns.append(contentsOf: other.returns[range])
            }
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

        /// The last action `plainKind` was asked for, and its kind.
        var lastPlain: (action: Action, kind: Int32)?

        /// The kind of a decision without rules whose action is `a` (consecutive entries often share it).
        mutating func plainKind(_ a: Action) -> Int32 {
            if let l = lastPlain, same(l.action, a) { return l.kind }
            let kind = actionIndex(a)
            lastPlain = (a, kind)
            return kind
        }

        /// Appends the row of `d` (the decision of name `id`) to `out`.
        mutating func append(_ d: SyscallDecision, id: Int, to out: inout Table) {
            let kind: Int32
            if d.rules.isEmpty {
                kind = plainKind(d.action)
            } else {
                ruled.append(d)
                kind = -Int32(ruled.count)
            }
            out.ids.append(Int32(id))
            out.kinds.append(kind)
            out.priorities.append(d.priority)
            out.returns.append(d.rules.isEmpty ? UInt64(d.action.returnValue) : Entries.byArguments)
        }

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
        // The shared table's base, and the id of each of its entries in iteration order (-1 for
        // a name no table knows): a per-ABI table laid out as the shared one (a copy of it with
        // a few decisions changed, as the profile importer makes them) takes an entry's id from
        // the shared entry at the same position when the names are equal, without a lookup.
        let sharedBase = judged.shared.base
        var sharedIDs: [Int32] = []
        // Per-ABI tables whose base is the shared table's (`sharesSharedBase`: tables a front end
        // described by their differences) take the rows of the base entries they do not replace
        // from the shared table (`SharedRows`), without reading the entries again.
        var sharedRows: SharedRows?
        func resolve(_ jt: JudgedTables.Table, abi: Architecture?) -> Entries.Table {
            let t = jt.base
            var out = Entries.Table()
            out.abi = abi
            out.reserveCapacity(t.count + jt.changes.count)
            // The changed names first (their ids marked, so that base's entries for them are
            // skipped), then base's entries.
            var replaced: [Bool] = []
            if !jt.changes.isEmpty {
                replaced = [Bool](repeating: false, count: SyscallTable.allNames.count)
                for (name, change) in jt.changes {
                    guard let id = names.id(of: name), id < replaced.count else { continue }
                    replaced[id] = true
                    if let d = change { e.append(d, id: id, to: &out) }
                }
            }
            if abi != nil, jt.sharesSharedBase, t.count == sharedBase.count, let rows = sharedRows {
                rows.complete(&out, table: jt, replaced: replaced, &e)
                return out
            }
            // Records the shared table's ids (its first resolution, when per-ABI tables follow
            // that are not described by their differences), or reads them in step; a table not
            // laid out as the shared one (more than eight names out of step beyond those in
            // step) is no longer read in step.
            let recording = abi == nil && judged.perABI.values.contains { !$0.sharesSharedBase }
            if recording { sharedIDs = [Int32](repeating: -1, count: t.count) }
            let changedRows = out.ids.count
            readBase(t, sharedBase: sharedBase, sharedIDs: &sharedIDs, recording: recording,
                inStep: abi != nil && sharedIDs.count == sharedBase.count, replaced: replaced, &e, &out)
            if abi == nil, judged.perABI.values.contains(where: \.sharesSharedBase) {
                sharedRows = SharedRows(out, rows: changedRows..<out.ids.count, table: jt)
            }
            return out
        }
        e.shared = resolve(judged.shared, abi: nil)
        for abi in judged.perABI.keys.sorted() {
            if let t = judged.perABI[abi] { e.perABI.append(resolve(t, abi: abi)) }
        }
        return e
    }

    /// Appends to `out` the row of each entry of `t` whose name is known and not `replaced`,
    /// recording the shared table's ids in `sharedIDs` (`recording`) or reading them in step
    /// with `sharedBase` (`inStep`). A function of its own, not inlined: its loop reads each
    /// decision in place (no copy of it, its strings and rules retained and released) only while
    /// the optimizer inlines `Dictionary.Values`' getter into it, which it stopped doing in a
    /// larger caller.
    @inline(never)
    static func readBase(_ t: [String: SyscallDecision], sharedBase: [String: SyscallDecision], sharedIDs: inout [Int32],
        recording: Bool, inStep: Bool, replaced: [Bool], _ e: inout Entries, _ table: inout Entries.Table)
    {
        let names = SyscallTable.nameIndex
        // The rows are made in arrays of this function's own (their appends need no uniqueness
        // checks), then added to `table`.
        var out = Entries.Table()
        out.reserveCapacity(t.count)
        var inStep = inStep
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
                kind = e.plainKind(a)
                out.returns.append(UInt64(a.returnValue))
            } else {
                e.ruled.append(t.values[i])
                kind = -Int32(e.ruled.count)
                out.returns.append(Entries.byArguments)
            }
            out.ids.append(Int32(id))
            out.kinds.append(kind)
            out.priorities.append(t.values[i].priority)
        }
        if table.ids.isEmpty {
            out.abi = table.abi
            table = out
        } else {
            table.append(rows: 0..<out.ids.count, of: out)
        }
    }

    /// The shared table's rows read from its base, for the per-ABI tables that share that base
    /// (`JudgedTables.Table.sharesSharedBase`): such a table is the shared base with its own
    /// changes over it, so its rows are its changes' rows, the shared base's rows of the names it
    /// does not replace, and the rows of base entries the shared table replaced (so did not
    /// read) that it keeps. (Kept out of `resolvedEntries`' loop: that loop reads each decision
    /// in place only while the optimizer inlines `Dictionary.Values`' getter there, which a
    /// larger function undid.)
    struct SharedRows {
        var table: Entries.Table
        /// The shared table's rows read from its base.
        var rows: Range<Int>
        /// The row of each id among `rows` (-1: none).
        var rowByID: [Int32]
        /// The base entries the shared table replaced, with their ids.
        var unread: [(id: Int, position: Dictionary<String, SyscallDecision>.Index)] = []

        @inline(never)
        init(_ table: Entries.Table, rows: Range<Int>, table shared: JudgedTables.Table) {
            self.table = table
            self.rows = rows
            rowByID = [Int32](repeating: -1, count: SyscallTable.allNames.count)
            for k in rows { rowByID[Int(table.ids[k])] = Int32(k) }
            let names = SyscallTable.nameIndex
            for name in shared.changes.keys {
                guard let position = shared.base.index(forKey: name), let id = names.id(of: name) else { continue }
                unread.append((id, position))
            }
        }

        /// Appends the rows of `jt`'s base entries to `out`, which holds the rows of its changes
        /// (`replaced` marks their ids; empty when there are none).
        @inline(never)
        func complete(_ out: inout Entries.Table, table jt: JudgedTables.Table, replaced: [Bool], _ e: inout Entries) {
            // The shared base's rows but those of replaced names, in runs between them...
            var skip: [Int] = []
            if !replaced.isEmpty {
                for name in jt.changes.keys {
                    guard let id = SyscallTable.nameIndex.id(of: name), id < rowByID.count, rowByID[id] >= 0 else { continue }
                    skip.append(Int(rowByID[id]))
                }
                skip.sort()
            }
            var from = rows.lowerBound
            for row in skip {
                out.append(rows: from..<row, of: table)
                from = row + 1
            }
            out.append(rows: from..<rows.upperBound, of: table)
            // ... and the base entries the shared table replaced that this table keeps.
            for (id, position) in unread where replaced.isEmpty || !replaced[id] {
                e.append(jt.base.values[position], id: id, to: &out)
            }
        }
    }
}
