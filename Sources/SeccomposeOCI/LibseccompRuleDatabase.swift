// LibseccompRuleDatabase.swift: how libseccomp combines several rules for one syscall.
//
// runc and crun hand every rule of a profile to libseccomp (`seccomp_rule_add_array`), which
// does not keep them as a list: it merges each rule into a per-syscall decision tree, and the
// tree decides, whatever order the rules came in. This file models that tree, written from
// libseccomp's documented behaviour and checked against its programs (docs/oci-profiles.md):
//
//   - a rule is a chain of comparison nodes in ascending argument order; on ABIs with 64-bit
//     arguments each comparison is two or three nodes on the upper and lower 32-bit words;
//     `!=`, `<` and `<=` are `==`, `>=` and `>` nodes whose action sits on the false branch;
//   - nodes on one level are kept sorted: higher argument first, then `==`/`!=`/masked before
//     `<`/`<=` before `>`/`>=`, then the larger constant first (the smaller one for `<`/`<=`);
//     a call tries them in that order and the first that reaches an action decides;
//   - a node equal to an existing one (argument, word, test, constant, mask) is merged into it:
//     an action meets an action (different ones: refused, EEXIST), or a subtree (whose actions
//     must all equal it, else EEXIST; then it replaces the subtree); a longer rule below an
//     existing action is absorbed;
//   - an unconditional rule replaces every conditional rule of its syscall, and absorbs every
//     later rule of it (a second unconditional one included).

import SeccomposePolicy
import SeccomposeSyscalls

/// libseccomp's rule database for one ABI word size: per syscall, either one unconditional
/// action or a decision tree merged from conditional rules. Feed it rules in the order runc
/// adds them (`add`); read the decisions back as first-match rule lists (`decision(for:)`).
public struct LibseccompRuleDatabase: Sendable {
    /// Which libseccomp release's merge to follow.
    public enum Release: Sendable, Hashable {
        /// 2.6.1 and later: two `<`/`<=`/`!=` rules sharing an upper-word node keep the action
        /// of the one with the smaller constant (GHSA-4q85-33p6-j5g6 fixed).
        case v2_6_1
        /// 2.5.4 (Debian 12): that update is lost (a typo writes the true branch instead), so the
        /// first such rule's action stays (the advisory's weakening). Used to explain departures.
        case v2_5_4
    }

    /// What decides: an action and the index of the rule that set it (nil: the filter default).
    public struct Leaf: Sendable, Hashable {
        /// The action.
        public var action: Action
        /// The index of the rule (as given to `add`) that put the action there.
        public var source: Int?
    }

    /// Why libseccomp refuses a rule.
    public struct Refusal: Error, Sendable, Hashable {
        /// The rule that conflicts (its index as given to `add`), when one does.
        public var conflicting: Int?
        /// A sentence for messages.
        public var reason: String
    }

    final class Node: @unchecked Sendable {
        enum Test: Sendable { case equal, maskedEqual, greater, greaterOrEqual }
        let arg: Int
        let high: Bool
        let test: Test
        let original: ArgumentCondition.Operator
        let datum: UInt32
        let mask: UInt32
        let full: UInt64
        var actionTrue: Leaf?
        var actionFalse: Leaf?
        var nextTrue: Node?
        var nextFalse: Node?
        weak var previousSibling: Node?
        var nextSibling: Node? {
            didSet { nextUnretained = nextSibling.map { Unmanaged.passUnretained($0) } }
        }
        /// `nextSibling` without a reference count: the search for a rule's place in a level of
        /// thousands of nodes walks these (nodes that are also weakly referenced pay a slow,
        /// side-table retain for every strong load).
        var nextUnretained: Unmanaged<Node>?

        init(arg: Int, high: Bool, test: Test, original: ArgumentCondition.Operator, datum: UInt32, mask: UInt32, full: UInt64) {
            self.arg = arg
            self.high = high
            self.test = test
            self.original = original
            self.mask = mask
            self.datum = datum & mask
            self.full = full
        }

        deinit { level?.abandon() }

        var isLeaf: Bool { nextTrue == nil && nextFalse == nil }
        var head: Node {
            var h = self
            while let p = h.previousSibling { h = p }
            return h
        }

        /// The same comparison (libseccomp merges such nodes).
        func sameTest(as o: Node) -> Bool {
            arg == o.arg && high == o.high && test == o.test && datum == o.datum && mask == o.mask
        }

        var rank: Int { arg << 1 + (high ? 1 : 0) }

        /// The index of the level this node is in (nil: a node alone, or a level whose order
        /// is no longer kept, which the insertion then walks).
        var level: LevelIndex?

        /// `sortsBefore` as a number: `a.sortsBefore(b)` exactly when `a.sortKey < b.sortKey`.
        var sortKey: UInt64 { Node.sortKey(rank: rank, original: original, datum: datum) }

        static func sortKey(rank: Int, original: ArgumentCondition.Operator, datum: UInt32) -> UInt64 {
            let d = original == .less || original == .lessOrEqual ? ~datum : datum
            return UInt64(rank) << 34 | UInt64(Node.opRank(original)) << 32 | UInt64(d)
        }

        /// Every sort key a node with this node's test can have (nodes of several operators share
        /// a test: `<`'s upper-word node tests `==`, `<=`'s lower-word node `>`).
        var sameTestKeys: [UInt64] {
            [ArgumentCondition.Operator.equal, .less, .greater].map { Node.sortKey(rank: rank, original: $0, datum: datum) }
        }

        static func opRank(_ op: ArgumentCondition.Operator) -> Int {
            switch op {
            case .equal, .notEqual, .maskedEqual: return 3
            case .less, .lessOrEqual: return 2
            case .greater, .greaterOrEqual: return 1
            }
        }

        /// Whether this node sorts after `o` on a level (levels are kept in descending order).
        func sortsBefore(_ o: Node) -> Bool {
            if rank != o.rank { return rank < o.rank }
            let a = Node.opRank(original), b = Node.opRank(o.original)
            if a != b { return a < b }
            switch original {
            case .less, .lessOrEqual: return datum > o.datum
            default: return datum < o.datum
            }
        }

        func holds(word: UInt32) -> Bool {
            let v = word & mask
            switch test {
            case .equal, .maskedEqual: return v == datum
            case .greater: return v > datum
            case .greaterOrEqual: return v >= datum
            }
        }
    }

    struct Entry: @unchecked Sendable {
        var unconditional: Leaf?
        var chains: Node?
    }

    /// Whether arguments are 64 bits (two words per comparison) or 32.
    public let wide: Bool
    /// The release whose merge is followed.
    public let release: Release
    /// The filter's default action (what a call no rule decides gets).
    public let defaultAction: Action
    var entries: [String: Entry] = [:]
    /// Walk every level as libseccomp does, without `LevelIndex` (tests compare the two).
    var walksLevels = false
    /// Syscall names in the order they were first added.
    public private(set) var names: [String] = []

    /// An empty database for an ABI with 64-bit (`wide`) or 32-bit arguments.
    public init(wide: Bool, defaultAction: Action, release: Release = .v2_6_1) {
        self.wide = wide
        self.defaultAction = defaultAction
        self.release = release
    }

    /// Adds a rule (`seccomp_rule_add_array`, not exact): at most one condition per argument.
    ///
    /// - Throws: `Refusal` where libseccomp refuses the rule (EEXIST: a rule with the same
    ///   comparisons and another action, or one whose action differs from a longer rule's it
    ///   would replace; EINVAL: two conditions on one argument).
    public mutating func add(_ action: Action, syscall name: String, _ conditions: [ArgumentCondition], source: Int) throws(Refusal) {
        var byArg: [Int: ArgumentCondition] = [:]
        for c in conditions {
            guard byArg[c.index] == nil else {
                throw Refusal(conflicting: nil, reason: "two conditions on argument \(c.index) in one rule (EINVAL)")
            }
            byArg[c.index] = c
        }
        let leaf = Leaf(action: action, source: source)
        let chain = wide ? Self.chain64(byArg, leaf) : Self.chain32(byArg, leaf)
        if entries[name] == nil { names.append(name) }
        var e = entries[name] ?? Entry()
        // An unconditional rule absorbs every later rule of its syscall.
        guard e.unconditional == nil else { return }
        guard let chain else {
            // ... and replaces the conditional ones before it.
            entries[name] = Entry(unconditional: leaf, chains: nil)
            return
        }
        if var root = e.chains {
            try add(&root, chain)
            e.chains = root
        } else {
            e.chains = chain
        }
        entries[name] = e
    }

    /// libseccomp's chain for a rule on a 32-bit ABI: one node per condition, on the low word.
    static func chain32(_ byArg: [Int: ArgumentCondition], _ leaf: Leaf) -> Node? {
        var first: Node?, previous: Node?, previousOnTrue = true
        for arg in byArg.keys.sorted() {
            guard let c = byArg[arg] else { continue }
            let mask = c.op == .maskedEqual ? UInt32(truncatingIfNeeded: c.mask) : .max
            if c.op == .maskedEqual, mask == 0 { continue }
            let (test, onTrue): (Node.Test, Bool)
            switch c.op {
            case .equal: (test, onTrue) = (.equal, true)
            case .notEqual: (test, onTrue) = (.equal, false)
            case .maskedEqual: (test, onTrue) = (.maskedEqual, true)
            case .greater: (test, onTrue) = (.greater, true)
            case .lessOrEqual: (test, onTrue) = (.greater, false)
            case .greaterOrEqual: (test, onTrue) = (.greaterOrEqual, true)
            case .less: (test, onTrue) = (.greaterOrEqual, false)
            }
            let n = Node(arg: arg, high: false, test: test, original: c.op, datum: UInt32(truncatingIfNeeded: c.value),
                mask: mask, full: c.value)
            if let p = previous {
                if previousOnTrue { p.nextTrue = n } else { p.nextFalse = n }
            } else {
                first = n
            }
            previous = n
            previousOnTrue = onTrue
        }
        if let p = previous {
            if previousOnTrue { p.actionTrue = leaf } else { p.actionFalse = leaf }
        }
        return first
    }

    /// libseccomp's chain for a rule on a 64-bit ABI: per condition, upper word then lower word
    /// (`==`, `!=`, masked), or upper `>`, upper `==`, lower `>`/`>=` (ordering comparisons).
    static func chain64(_ byArg: [Int: ArgumentCondition], _ leaf: Leaf) -> Node? {
        var first: Node?
        // Where the next condition's first node hangs: (node, on its true branch).
        var exits: [(Node, Bool)] = []
        for arg in byArg.keys.sorted() {
            guard let c = byArg[arg] else { continue }
            let mask = c.op == .maskedEqual ? c.mask : .max
            if c.op == .maskedEqual, mask == 0 { continue }
            let hiMask = UInt32(truncatingIfNeeded: mask >> 32), loMask = UInt32(truncatingIfNeeded: mask)
            let hi = UInt32(truncatingIfNeeded: c.value >> 32), lo = UInt32(truncatingIfNeeded: c.value)
            let head: Node
            var next: [(Node, Bool)]
            switch c.op {
            case .equal, .notEqual, .maskedEqual:
                let test: Node.Test = c.op == .maskedEqual ? .maskedEqual : .equal
                let h = Node(arg: arg, high: true, test: test, original: c.op, datum: hi, mask: hiMask, full: c.value)
                let l = Node(arg: arg, high: false, test: test, original: c.op, datum: lo, mask: loMask, full: c.value)
                h.nextTrue = l
                head = h
                next = c.op == .notEqual ? [(h, false), (l, false)] : [(l, true)]
            case .greater, .greaterOrEqual, .less, .lessOrEqual:
                let h0 = Node(arg: arg, high: true, test: .greater, original: c.op, datum: hi, mask: .max, full: c.value)
                let h1 = Node(arg: arg, high: true, test: .equal, original: c.op, datum: hi, mask: .max, full: c.value)
                let lowTest: Node.Test = c.op == .greater || c.op == .lessOrEqual ? .greater : .greaterOrEqual
                let l = Node(arg: arg, high: false, test: lowTest, original: c.op, datum: lo, mask: .max, full: c.value)
                h0.nextFalse = h1
                h1.nextTrue = l
                head = h0
                next = c.op == .greater || c.op == .greaterOrEqual ? [(h0, true), (l, true)] : [(h1, false), (l, false)]
            }
            if exits.isEmpty {
                first = head
            } else {
                for (n, onTrue) in exits {
                    if onTrue { n.nextTrue = head } else { n.nextFalse = head }
                }
            }
            exits = next
        }
        for (n, onTrue) in exits {
            if onTrue { n.actionTrue = leaf } else { n.actionFalse = leaf }
        }
        return first
    }

    /// Whether every action in the levels below `node` is `action` (libseccomp's check before an
    /// action replaces a subtree).
    static func allActions(_ node: Node?, are action: Action) -> Leaf? {
        guard let node else { return nil }
        var n: Node? = node.head
        while let x = n {
            if let a = x.actionTrue, a.action != action { return a }
            if let a = x.actionFalse, a.action != action { return a }
            if let a = allActions(x.nextTrue, are: action) { return a }
            if let a = allActions(x.nextFalse, are: action) { return a }
            n = x.nextSibling
        }
        return nil
    }

    /// Merges the chain `new` into the level that `existing` points into.
    func add(_ existing: inout Node, _ new: Node) throws(Refusal) {
        let n = new
        if !walksLevels, let stop = LevelIndex.stop(from: existing, for: n) {
            switch stop {
            case .merge(let x):
                try merge(n, into: x)
            case .insert(let before, let after):
                try Self.refuseCycle(n, level: existing)
                if let x = before {
                    n.previousSibling = x.previousSibling
                    x.previousSibling?.nextSibling = n
                    n.nextSibling = x
                    x.previousSibling = n
                    if existing === x { existing = n }
                } else if let x = after {
                    n.previousSibling = x
                    x.nextSibling = n
                }
            }
            return
        }
        // The level's order is not kept (or `n` is in a level already): walk it as libseccomp does.
        LevelIndex.forget(existing)
        LevelIndex.forget(n)
        // Skip the nodes that sort after the new one, without retaining each (the level lives
        // through `existing` meanwhile): the loop below starts where it would stop anyway.
        var scan = Unmanaged.passUnretained(existing)
        while let next = scan._withUnsafeGuaranteedRef({ x in
            x.sameTest(as: n) || x.sortsBefore(n) ? nil : x.nextUnretained
        }) {
            scan = next
        }
        var x = scan.takeUnretainedValue()
        while true {
            if x.sameTest(as: n) {
                try merge(n, into: x)
                return
            } else if !x.sortsBefore(n) {
                guard let next = x.nextSibling else {
                    try Self.refuseCycle(n, level: x)
                    n.previousSibling = x
                    x.nextSibling = n
                    return
                }
                x = next
            } else {
                try Self.refuseCycle(n, level: x)
                n.previousSibling = x.previousSibling
                x.previousSibling?.nextSibling = n
                n.nextSibling = x
                x.previousSibling = n
                if existing === x { existing = n }
                return
            }
        }
    }

    /// Merges the new node `n` into the equal node `x` of a level.
    func merge(_ n: Node, into x: Node) throws(Refusal) {
        // The same merge on each branch; only which conflicting upper-word action wins differs.
        try mergeAction(n.actionTrue, into: x, action: \.actionTrue, next: \.nextTrue,
            replaces: n.high && n.full > x.full, newIsLeaf: n.isLeaf)
        try mergeAction(n.actionFalse, into: x, action: \.actionFalse, next: \.nextFalse,
            replaces: n.high && n.full < x.full && release == .v2_6_1, newIsLeaf: n.isLeaf)
        // When an existing action covers the rest of the new rule, nothing more is merged.
        if try mergeBranch(n.nextTrue, into: x, action: \.actionTrue, next: \.nextTrue) {
            _ = try mergeBranch(n.nextFalse, into: x, action: \.actionFalse, next: \.nextFalse)
        }
    }

    /// Merges a new rule's action on one branch of a node into the same branch of the equal
    /// node `x`: equal actions meet; different ones on a leaf are refused (EEXIST), where
    /// `replaces` says whether the new one takes the place of the old first; an action replaces a
    /// subtree only when every action below is the same (else EEXIST). `newIsLeaf`: the new
    /// rule's node has no branches of its own.
    func mergeAction(_ new: Leaf?, into x: Node, action: ReferenceWritableKeyPath<Node, Leaf?>,
        next: ReferenceWritableKeyPath<Node, Node?>, replaces: Bool, newIsLeaf: Bool) throws(Refusal)
    {
        guard let new else { return }
        if let have = x[keyPath: action] {
            guard have.action != new.action else { return }
            if replaces { x[keyPath: action] = new }
            if x.isLeaf || newIsLeaf {
                throw Refusal(conflicting: have.source, reason: "the same comparisons as another rule with a different action (EEXIST)")
            }
        } else {
            if let other = Self.allActions(x[keyPath: next], are: new.action) {
                throw Refusal(conflicting: other.source, reason: "it would replace a longer rule with a different action (EEXIST)")
            }
            x[keyPath: next] = nil
            x[keyPath: action] = new
        }
    }

    /// Merges the new rule's subtree on one branch into the same branch of `x`; false when an
    /// existing action on that branch covers the rest of the new rule (nothing more to merge).
    func mergeBranch(_ new: Node?, into x: Node, action: ReferenceWritableKeyPath<Node, Leaf?>,
        next: ReferenceWritableKeyPath<Node, Node?>) throws(Refusal) -> Bool
    {
        guard let new else { return true }
        if var existing = x[keyPath: next] {
            try add(&existing, new)
            x[keyPath: next] = existing
        } else if x[keyPath: action] == nil {
            x[keyPath: next] = new
        } else {
            return false
        }
        return true
    }

    /// libseccomp links the exits of an ordering comparison to one shared chain; when a later
    /// rule merges into both, the second merge inserts a node into the level it already sits
    /// in, which links it to itself, and libseccomp 2.5.4 never returns (runc hangs).
    static func refuseCycle(_ n: Node, level x: Node) throws(Refusal) {
        // A node in no level yet (a new rule's) cannot link to itself: only a shared one can.
        if n.previousSibling == nil, n.nextSibling == nil, n !== x { return }
        var cur: Node? = x.head
        var steps = 0
        while let c = cur, steps < 100_000 {
            if c === n {
                throw Refusal(conflicting: nil, reason: "libseccomp links this rule's comparison to itself and never returns (an ordering comparison shared with an earlier rule, followed by conditions on other arguments); runc hangs loading the profile")
            }
            cur = c.nextSibling
            steps += 1
        }
    }

    // MARK: Reading the database

    /// What the database decides for a call of `name` (`nil` when it has no rule for it).
    public func evaluate(_ name: String, arguments: [UInt64]) -> Leaf? {
        guard let e = entries[name] else { return nil }
        if let u = e.unconditional { return u }
        guard let root = e.chains else { return nil }
        let fallback = Leaf(action: defaultAction, source: nil)
        func word(_ n: Node) -> UInt32 {
            let v = n.arg < arguments.count ? arguments[n.arg] : 0
            return UInt32(truncatingIfNeeded: n.high ? v >> 32 : v)
        }
        func run(_ start: Node?, _ k: () -> Leaf) -> Leaf {
            var cur = start
            while let node = cur {
                let t = node.holds(word: word(node))
                if let sub = t ? node.nextTrue : node.nextFalse {
                    return run(sub.head) { node.nextSibling.map { s in run(s, k) } ?? k() }
                }
                if let a = t ? node.actionTrue : node.actionFalse { return a }
                cur = node.nextSibling
            }
            return k()
        }
        return run(root.head) { fallback }
    }

    /// Every rule index that sets an action somewhere in `name`'s decision.
    public func sources(of name: String) -> Set<Int> {
        guard let e = entries[name] else { return [] }
        if let u = e.unconditional { return u.source.map { [$0] } ?? [] }
        var out: Set<Int> = []
        var seen: Set<ObjectIdentifier> = []
        func walk(_ node: Node?) {
            var n = node?.head
            while let x = n {
                if seen.insert(ObjectIdentifier(x)).inserted {
                    if let s = x.actionTrue?.source { out.insert(s) }
                    if let s = x.actionFalse?.source { out.insert(s) }
                    walk(x.nextTrue)
                    walk(x.nextFalse)
                }
                n = x.nextSibling
            }
        }
        walk(e.chains)
        return out
    }

    /// Whether `name` is decided by one unconditional rule.
    public func isUnconditional(_ name: String) -> Bool { entries[name]?.unconditional != nil }

    /// Whether the database holds rules for `name`.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The decision for `name` as a first-match rule list (`SyscallDecision`'s semantics), or nil
    /// when the database has no rule for it. `origin` gives each rule index its origin.
    ///
    /// - Throws: `Refusal` when the tree needs more than 4096 rules to write down.
    public func decision(for name: String, origin: (Int) -> Origin?) throws(Refusal) -> SyscallDecision? {
        guard let e = entries[name] else { return nil }
        if let u = e.unconditional { return SyscallDecision(action: u.action, origin: u.source.flatMap(origin)) }
        guard let root = e.chains else { return nil }
        func flattened(cellLimit: Int) throws(Refusal) -> [FlatRule] {
            var state = Flattening(wide: wide, cellLimit: cellLimit)
            let end = state.lists.cons(FlatRule(conditions: [], leaf: Leaf(action: defaultAction, source: nil)), SharedRuleLists.empty)
            let written = try Self.rules(root.head, end, known: [:], &state)
            guard state.lists.count(written) <= 1 << 16 else {
                throw Refusal(conflicting: nil, reason: "the rules of \(name) make a decision tree of more than \(1 << 16) paths")
            }
            let simplified = Self.simplify(state.lists.elements(written), defaultAction: defaultAction)
            guard simplified.count <= 4096 else {
                throw Refusal(conflicting: nil, reason: "the rules of \(name) make a decision tree of more than 4096 paths")
            }
            return simplified
        }
        var simplified: [FlatRule]
        do throws(Refusal) {
            simplified = try flattened(cellLimit: 1 << 13)
            // Ordering tests: the boxes may be far fewer than the paths (each path carries the
            // failed tests of the nodes before it: 60 `<`/`>=` rules on one argument made rules
            // of 25 conditions; four rules of two `<`/`>` each, thousands of conditions); the
            // shorter list is kept (both decide alike).
            let ordered = simplified.contains { rule in
                rule.conditions.contains { $0.op != .equal && $0.op != .notEqual && $0.op != .maskedEqual }
            }
            if simplified.count > 16, ordered, let grid = gridPlan(root: root), grid.ordering {
                let boxes = Self.simplify(gridRules(name, plan: grid), defaultAction: defaultAction)
                let size = { (rules: [FlatRule]) in rules.reduce(0) { $0 + $1.conditions.count + 1 } }
                if size(boxes) < size(simplified) { simplified = boxes }
            }
        } catch {
            // Too many paths to write down one by one: the same decision as boxes of values
            // (GridDecision.swift) when the tree compares whole values and the boxes are few;
            // else the paths, with a larger budget.
            if let grid = gridPlan(root: root) {
                simplified = Self.simplify(gridRules(name, plan: grid), defaultAction: defaultAction)
                guard simplified.count <= 4096 else { throw error }
            } else {
                simplified = try flattened(cellLimit: 1 << 16)
            }
        }
        guard let last = simplified.last else { return nil }
        return SyscallDecision(action: last.leaf.action, origin: last.leaf.source.flatMap(origin),
            rules: simplified.dropLast().map { Rule($0.conditions, action: $0.leaf.action, origin: $0.leaf.source.flatMap(origin)) })
    }

    struct FlatRule: Hashable {
        var conditions: [ArgumentCondition]
        var leaf: Leaf
    }

    /// A node's test as a condition on the whole argument; `known` holds the upper words fixed by
    /// the `==` tests on the path (a lower-word ordering test always sits under one).
    static func condition(_ n: Node, known: [Int: UInt32], wide: Bool) -> ArgumentCondition {
        guard wide else {
            switch n.test {
            case .equal: return ArgumentCondition(index: n.arg, .equal, UInt64(n.datum))
            case .maskedEqual: return ArgumentCondition(index: n.arg, .maskedEqual, UInt64(n.datum), mask: UInt64(n.mask))
            case .greater: return ArgumentCondition(index: n.arg, .greater, UInt64(n.datum))
            case .greaterOrEqual: return ArgumentCondition(index: n.arg, .greaterOrEqual, UInt64(n.datum))
            }
        }
        if n.high {
            switch n.test {
            case .equal, .maskedEqual:
                return ArgumentCondition(index: n.arg, .maskedEqual, UInt64(n.datum) << 32, mask: UInt64(n.mask) << 32)
            case .greater: return ArgumentCondition(index: n.arg, .greater, UInt64(n.datum) << 32 | 0xFFFF_FFFF)
            case .greaterOrEqual: return ArgumentCondition(index: n.arg, .greaterOrEqual, UInt64(n.datum) << 32)
            }
        }
        switch n.test {
        case .equal, .maskedEqual:
            return ArgumentCondition(index: n.arg, .maskedEqual, UInt64(n.datum), mask: UInt64(n.mask))
        case .greater, .greaterOrEqual:
            let op: ArgumentCondition.Operator = n.test == .greater ? .greater : .greaterOrEqual
            if let h = known[n.arg] { return ArgumentCondition(index: n.arg, op, UInt64(h) << 32 | UInt64(n.datum)) }
            return ArgumentCondition(index: n.arg, op, UInt64(n.datum), is32Bit: true)
        }
    }

    /// The level starting at `start`, then `k` (a list ending in an unconditional rule), as a
    /// first-match list: for each node, its true branch under its condition, then its false branch.
    struct MemoKey: Hashable {
        var node: ObjectIdentifier
        var known: [Int: UInt32]
        var k: Int
    }

    /// What flattening one syscall's tree carries along: the shared lists, the memo of levels
    /// already written (per continuation), and the budget of cells.
    struct Flattening {
        var lists = SharedRuleLists()
        var memo: [MemoKey: Int] = [:]
        let wide: Bool
        let cellLimit: Int
    }

    static func rules(_ start: Node?, _ k: Int, known: [Int: UInt32], _ state: inout Flattening) throws(Refusal) -> Int {
        guard let head = start else { return k }
        // Shared subtrees (libseccomp links both exits of an ordering comparison to one chain)
        // are written once per continuation.
        let key = MemoKey(node: ObjectIdentifier(head), known: known, k: k)
        if let done = state.memo[key] { return done }
        // The level's nodes, written from the last (whose rest is `k`) to the first: a loop, so a
        // level of thousands of values does not recurse thousands deep.
        var level: [Node] = []
        var cursor: Node? = head
        while let n = cursor {
            level.append(n)
            cursor = n.nextSibling
        }
        var rest = k
        for node in level.reversed() {
            rest = try rules(of: node, then: rest, known: known, &state)
        }
        state.memo[key] = rest
        return rest
    }

    /// One node of a level, then `rest` (the level's later nodes and the continuation).
    static func rules(of node: Node, then rest: Int, known: [Int: UInt32], _ state: inout Flattening) throws(Refusal) -> Int {
        let wide = state.wide
        // A test with an action on its true branch only (a value of an allow-list): c && action,
        // then the rest (what the general case below makes of it, without its list work).
        if node.nextTrue == nil, node.nextFalse == nil, node.actionFalse == nil, let a = node.actionTrue {
            return try withinBudget(state.lists.cons(FlatRule(conditions: [condition(node, known: known, wide: wide)], leaf: a), rest), state)
        }
        var knownTrue = known
        if wide, node.high, node.test != .greater, node.test != .greaterOrEqual, node.mask == .max { knownTrue[node.arg] = node.datum }
        let t: Int, f: Int
        if let sub = node.nextTrue {
            t = try rules(sub.head, rest, known: knownTrue, &state)
        } else if let a = node.actionTrue {
            t = state.lists.cons(FlatRule(conditions: [], leaf: a), SharedRuleLists.empty)
        } else {
            t = rest
        }
        if let sub = node.nextFalse {
            f = try rules(sub.head, rest, known: known, &state)
        } else if let a = node.actionFalse {
            f = state.lists.cons(FlatRule(conditions: [], leaf: a), SharedRuleLists.empty)
        } else {
            f = rest
        }
        let c = condition(node, known: known, wide: wide)
        func under(_ cs: ArgumentCondition, _ rs: [FlatRule]) -> [FlatRule] {
            rs.map { FlatRule(conditions: [cs] + $0.conditions, leaf: $0.leaf) }
        }
        // Both branches end in a common tail (when the false branch is the tail of the true
        // one, the true branch's own rules suffice): c && true-rules, then the false branch.
        let common = state.lists.commonSuffix(t, f)
        let (nt, nf, nc) = (state.lists.count(t), state.lists.count(f), state.lists.count(common))
        var out: Int
        if nc == nf {
            out = state.lists.list(under(c, state.lists.rules(of: t, before: common)), then: f)
        } else if nc == nt, let negations = negations(node, known: known, wide: wide) {
            // The true branch is the tail of the false one (a test whose action sits on its false
            // branch, as `<` and `!=` are written): not-c && the false branch's own rules, then
            // the tail, which is never copied under c (N such rules would copy it N times).
            out = state.lists.list(negations.flatMap { under($0, state.lists.rules(of: f, before: common)) }, then: t)
        } else if let negations = negations(node, known: known, wide: wide), nt > state.lists.count(rest),
            state.lists.suffix(t, length: state.lists.count(rest)) == rest,
            state.lists.suffix(f, length: min(nf, state.lists.count(rest))) != rest
        {
            // Only the true branch continues into the rest of the level (the false one ends in an
            // action of its own): c && its rules, not-c && the false branch (which always decides),
            // then the rest, written once instead of once more under c for every such node.
            out = state.lists.list(negations.flatMap { under($0, state.lists.elements(f)) }, then: rest)
            out = state.lists.list(under(c, state.lists.rules(of: t, before: rest)), then: out)
        } else if nc > 0, let negations = negations(node, known: known, wide: wide),
            (nt - nc) + negations.count * (nf - nc) + nc < nt + nf
        {
            // With the test's negation the common tail is written once
            // (c && true-rules, not-c && false-rules, tail).
            let pf = state.lists.rules(of: f, before: common)
            out = state.lists.list(negations.flatMap { under($0, pf) }, then: common)
            out = state.lists.list(under(c, state.lists.rules(of: t, before: common)), then: out)
        } else {
            out = state.lists.list(under(c, state.lists.elements(t)), then: f)
        }
        return try withinBudget(out, state)
    }

    /// `list`, once the cells written so far are within the budget.
    static func withinBudget(_ list: Int, _ state: Flattening) throws(Refusal) -> Int {
        guard state.lists.cellCount <= state.cellLimit else {
            throw Refusal(conflicting: nil, reason: "the decision tree is too large to write down (over \(state.cellLimit) rules)")
        }
        return list
    }

    /// Conditions whose disjunction is the negation of a node's test, or nil when none is simple.
    static func negations(_ n: Node, known: [Int: UInt32], wide: Bool) -> [ArgumentCondition]? {
        let full = n.mask == .max
        guard wide else {
            switch n.test {
            case .equal, .maskedEqual: return full ? [ArgumentCondition(index: n.arg, .notEqual, UInt64(n.datum))] : nil
            case .greater: return [ArgumentCondition(index: n.arg, .lessOrEqual, UInt64(n.datum))]
            case .greaterOrEqual: return [ArgumentCondition(index: n.arg, .less, UInt64(n.datum))]
            }
        }
        let d = UInt64(n.datum)
        if n.high {
            switch n.test {
            case .greater: return [ArgumentCondition(index: n.arg, .lessOrEqual, d << 32 | 0xFFFF_FFFF)]
            case .greaterOrEqual: return [ArgumentCondition(index: n.arg, .less, d << 32)]
            case .equal, .maskedEqual:
                guard full else { return nil }
                var out: [ArgumentCondition] = []
                if d > 0 { out.append(ArgumentCondition(index: n.arg, .less, d << 32)) }
                if d < 0xFFFF_FFFF { out.append(ArgumentCondition(index: n.arg, .greater, d << 32 | 0xFFFF_FFFF)) }
                return out
            }
        }
        guard let h = known[n.arg].map(UInt64.init) else {
            switch n.test {
            case .greater: return [ArgumentCondition(index: n.arg, .lessOrEqual, d, is32Bit: true)]
            case .greaterOrEqual: return [ArgumentCondition(index: n.arg, .less, d, is32Bit: true)]
            case .equal, .maskedEqual: return full ? [ArgumentCondition(index: n.arg, .notEqual, d, is32Bit: true)] : nil
            }
        }
        switch n.test {
        case .greater: return [ArgumentCondition(index: n.arg, .lessOrEqual, h << 32 | d)]
        case .greaterOrEqual: return [ArgumentCondition(index: n.arg, .less, h << 32 | d)]
        case .equal, .maskedEqual: return full ? [ArgumentCondition(index: n.arg, .notEqual, h << 32 | d)] : nil
        }
    }

    /// Shorter, equivalent lists: word tests of one argument joined, trivial tests dropped, the
    /// upper/lower split of ordering comparisons undone, redundant trailing rules dropped.
    static func simplify(_ list: [FlatRule], defaultAction: Action) -> [FlatRule] {
        var out: [FlatRule] = []
        for r in list {
            var conds: [ArgumentCondition] = []
            for c in r.conditions {
                if c.op == .maskedEqual, c.mask == 0 { continue }
                if conds.contains(c) { continue }
                // Upper and lower masked tests of one argument: one masked test.
                if c.op == .maskedEqual, !c.is32Bit,
                    let i = conds.firstIndex(where: { $0.index == c.index && $0.op == .maskedEqual && !$0.is32Bit && $0.mask & c.mask == 0 })
                {
                    let m = conds[i].mask | c.mask
                    conds[i] = m == .max
                        ? ArgumentCondition(index: c.index, .equal, conds[i].value | c.value)
                        : ArgumentCondition(index: c.index, .maskedEqual, conds[i].value | c.value, mask: m)
                    continue
                }
                conds.append(c)
            }
            out.append(FlatRule(conditions: conds, leaf: r.leaf))
            if conds.isEmpty { break }
        }
        // `a > H:FFFFFFFF` then `a & HI == H:0 && a >(=) H:L` with one action: `a >(=) H:L`.
        // Each rule is joined with the one before it while they join (a stack, so long lists stay linear).
        var joined: [FlatRule] = []
        joined.reserveCapacity(out.count)
        for r in out {
            joined.append(r)
            while joined.count >= 2, joined[joined.count - 2].leaf.action == joined[joined.count - 1].leaf.action,
                let merged = joinOrdering(joined[joined.count - 2], joined[joined.count - 1])
            {
                joined.removeLast()
                joined[joined.count - 1] = merged
            }
        }
        out = joined
        // Rules before the final one that lead to its action change nothing.
        while out.count >= 2, out[out.count - 2].leaf.action == out[out.count - 1].leaf.action {
            out.remove(at: out.count - 2)
        }
        // One condition, then everything else: the negation reads better.
        if out.count == 2, out[0].leaf.action == defaultAction, out[1].leaf.action != defaultAction,
            out[0].conditions.count == 1, let neg = negation(out[0].conditions[0])
        {
            out = [FlatRule(conditions: [neg], leaf: out[1].leaf), FlatRule(conditions: [], leaf: out[0].leaf)]
        }
        return out
    }

    static func negation(_ c: ArgumentCondition) -> ArgumentCondition? {
        var n = c
        switch c.op {
        case .equal: n.op = .notEqual
        case .notEqual: n.op = .equal
        case .less: n.op = .greaterOrEqual
        case .greaterOrEqual: n.op = .less
        case .greater: n.op = .lessOrEqual
        case .lessOrEqual: n.op = .greater
        case .maskedEqual: return nil
        }
        return n
    }

    static func joinOrdering(_ a: FlatRule, _ b: FlatRule) -> FlatRule? {
        // a: S + [x > H:FFFFFFFF]; b: S + [x & HI == H:0, x >(=) K] with K's upper word H.
        for (ai, above) in a.conditions.enumerated() where above.op == .greater && !above.is32Bit && above.value & 0xFFFF_FFFF == 0xFFFF_FFFF {
            let h = above.value >> 32
            let rest = a.conditions.enumerated().filter { $0.offset != ai }.map(\.element)
            guard let ei = b.conditions.firstIndex(where: {
                $0.index == above.index && $0.op == .maskedEqual && !$0.is32Bit && $0.mask == 0xFFFF_FFFF_0000_0000 && $0.value == h << 32
            }), let oi = b.conditions.firstIndex(where: {
                $0.index == above.index && ($0.op == .greater || $0.op == .greaterOrEqual) && !$0.is32Bit && $0.value >> 32 == h
            }) else { continue }
            let others = b.conditions.enumerated().filter { $0.offset != ei && $0.offset != oi }.map(\.element)
            guard Set(others) == Set(rest), others.count == rest.count else { continue }
            var joined = b.conditions
            joined.remove(at: max(ei, oi))
            joined.remove(at: min(ei, oi))
            joined.insert(b.conditions[oi], at: min(ei, oi))
            return FlatRule(conditions: joined, leaf: b.leaf)
        }
        return nil
    }
}
