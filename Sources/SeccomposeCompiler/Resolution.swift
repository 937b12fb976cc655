// Resolution.swift: a policy's syscall names resolved once per compile, and the syscall tables
// by number, so that the passes and the checks work with small integers (no String hashing, no
// sorting, no copies of decisions in their loops).

import SeccomposePolicy
import SeccomposeSyscalls
import Synchronization

/// Syscall name → `SyscallTable.id(of:)`, with a cheap hash of the name's first sixteen UTF-8
/// bytes and its length instead of `String`'s seeded SipHash over all of them; each hit is
/// confirmed by comparing every byte (the first sixteen as two words kept in the slot, the
/// rest from `bytes`), so an unknown name is never mistaken for a known one. Made once, and
/// checked against `SyscallTable.id(of:)` for every name when made.
struct NameIndex: Sendable {
    /// One slot of the open-addressing table (linear probing), everything a hit needs in one
    /// place: the name's first sixteen bytes as two little-endian words (zero-padded), its
    /// length and its id + 1 (0: an empty slot).
    struct Slot: Sendable {
        var head: (UInt64, UInt64) = (0, 0)
        var count: UInt32 = 0
        var idPlusOne: UInt32 = 0
    }

    var slots: [Slot]
    /// Every name's bytes, back to back; `offsets[id]..<offsets[id + 1]` is name `id`. Empty
    /// offsets: the index was refused when made, and `id(of:)` asks `SyscallTable`.
    var bytes: [UInt8]
    var offsets: [Int]
    var mask: Int

    static let shared = NameIndex(SyscallTable.allNames)

    init(_ names: [String]) {
        var size = 16
        while size < names.count * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
        bytes = []
        offsets = [0]
        // Ids are `SyscallTable.id(of:)`'s: a name missing there is left out (and so not found).
        var byID: [(id: Int, name: String)] = []
        for name in names {
            if let id = SyscallTable.id(of: name) { byID.append((id, name)) }
        }
        byID.sort { $0.id < $1.id }
        guard byID.enumerated().allSatisfy({ $0.offset == $0.element.id }), byID.count < Int(UInt32.max) else {
            // Not the dense 0..<n ids expected: an index that finds nothing, so callers fall
            // back to `SyscallTable.id(of:)` (slower, never wrong).
            offsets = []
            return
        }
        for (id, name) in byID {
            bytes.append(contentsOf: name.utf8)
            offsets.append(bytes.count)
            let utf8 = Array(name.utf8)
            let head = utf8.withUnsafeBufferPointer { Self.head($0) }
            var slot = Self.hash(head, utf8.count) & mask
            while slots[slot].idPlusOne != 0 { slot = (slot + 1) & mask }
            slots[slot] = Slot(head: head, count: UInt32(truncatingIfNeeded: utf8.count), idPlusOne: UInt32(id + 1))
        }
        // Every name must be found as itself, by the same lookup callers use.
        for (id, name) in byID where lookup(name) != id {
            offsets = []
            return
        }
    }

    /// Bytes `start..<start + count` (count 0...8) of `raw` as a little-endian word, read in
    /// pieces of 4, 2 and 1 bytes (a wider read across a small string's two halves, just
    /// copied to the stack, would wait for both stores).
    @inline(__always) static func partial(_ raw: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> UInt64 {
        if count == 8 { return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)) }
        var w: UInt64 = 0, i = 0
        if count - i >= 4 {
            w = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
            i = 4
        }
        if count - i >= 2 {
            w |= UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + i, as: UInt16.self))) << UInt64(8 * i)
            i += 2
        }
        if count - i >= 1 { w |= UInt64(raw[start + i]) << UInt64(8 * i) }
        return w
    }

    /// The first sixteen bytes of `s` as two little-endian words, zero-padded.
    @inline(__always) static func head(_ s: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        let raw = UnsafeRawBufferPointer(s)
        let n = s.count
        if n <= 8 { return (partial(raw, 0, n), 0) }
        return (partial(raw, 0, 8), partial(raw, 8, min(n, 16) - 8))
    }

    /// A hash of a name's first sixteen bytes and its length.
    @inline(__always) static func hash(_ head: (UInt64, UInt64), _ count: Int) -> Int {
        var h = (head.0 &* 0x9E37_79B9_7F4A_7C15) ^ (head.1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)
        h ^= h >> 31
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// The name's id, or nil when the table does not know it.
    func id(of name: String) -> Int? {
        if offsets.isEmpty { return SyscallTable.id(of: name) }
        return lookup(name)
    }

    private func lookup(_ name: String) -> Int? {
        let found: Int?? = name.utf8.withContiguousStorageIfAvailable { s -> Int? in
            let head = Self.head(s)
            let count = s.count
            var slot = Self.hash(head, count) & mask
            while true {
                let e = slots[slot]
                if e.idPlusOne == 0 { return nil }
                if Int(e.count) == count, e.head == head {
                    let id = Int(e.idPlusOne) - 1
                    if count <= 16 || tailEqual(id, s) { return id }
                }
                slot = (slot + 1) & mask
            }
        }
        return found ?? SyscallTable.id(of: name)
    }

    /// Whether name `id`'s bytes after the sixteenth equal those of `s` (of the same length).
    private func tailEqual(_ id: Int, _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[id]
        guard offsets[id + 1] - start == s.count else { return false }
        for i in 16..<s.count where bytes[start + i] != s[i] { return false }
        return true
    }
}

/// One ABI's syscall table in number order, made once per ABI when first needed (a launch
/// compiles for one to three ABIs, not all of them): the numbers (base applied) ascending and
/// each name id's rank among them (-1 where the ABI lacks it).
struct NumberOrder: Sendable {
    var numbers: [UInt32]
    var rankByID: [Int32]

    private static let made = Mutex<[NumberOrder?]>(Array(repeating: nil, count: Architecture.allCases.count))

    /// `abi`'s table in number order.
    static func of(_ abi: Architecture) -> NumberOrder {
        let ordinal = Self.ordinal(abi)
        if let known = made.withLock({ $0[ordinal] }) { return known }
        let order = NumberOrder(abi)
        made.withLock { $0[ordinal] = order }
        return order
    }

    private init(_ abi: Architecture) {
        let byID = SyscallTable.numbersByID(on: abi)
        var pairs: [(number: UInt32, id: Int32)] = []
        for (id, n) in byID.enumerated() where n >= 0 { pairs.append((UInt32(truncatingIfNeeded: n), Int32(id))) }
        pairs.sort { $0.number < $1.number }
        var ranks = [Int32](repeating: -1, count: byID.count)
        for (rank, p) in pairs.enumerated() { ranks[Int(p.id)] = Int32(rank) }
        numbers = pairs.map(\.number)
        rankByID = ranks
    }

    /// The position of `abi` in `Architecture.allCases` (the index of its table here).
    static func ordinal(_ abi: Architecture) -> Int { Architecture.allCases.firstIndex(of: abi) ?? 0 }

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
        let names = NameIndex.shared
        var last: (action: Action, kind: Int32)?
        // The kind of a decision without rules whose action is `a` (consecutive entries often share it).
        func plainKind(_ a: Action) -> Int32 {
            if let l = last, same(l.action, a) { return l.kind }
            let kind = e.actionIndex(a)
            last = (a, kind)
            return kind
        }
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
            var i = t.startIndex
            while i != t.endIndex {
                defer { i = t.index(after: i) }
                guard let id = names.id(of: t.keys[i]) else { continue }
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
