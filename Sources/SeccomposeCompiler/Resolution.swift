// Resolution.swift: a policy's syscall names resolved once per compile, and the syscall tables
// by number, so that the passes and the checks work with small integers (no String hashing, no
// sorting, no copies of decisions in their loops).

import SeccomposePolicy
import SeccomposeSyscalls
import Synchronization

/// Syscall name → `SyscallTable.id(of:)`, with a cheap byte hash (a multiply-xorshift over the
/// UTF-8 bytes, eight at a time) instead of `String`'s seeded SipHash; each hit is confirmed by
/// comparing the bytes, so an unknown name is never mistaken for a known one. Made once, and
/// checked against `SyscallTable.id(of:)` for every name when made.
struct NameIndex: Sendable {
    /// Open addressing, linear probing: name id per slot, -1 empty.
    var slots: [Int32]
    /// Every name's bytes, back to back; `offsets[id]..<offsets[id + 1]` is name `id`.
    var bytes: [UInt8]
    var offsets: [Int]
    var mask: Int

    static let shared = NameIndex(SyscallTable.allNames)

    init(_ names: [String]) {
        var size = 16
        while size < names.count * 4 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        bytes = []
        offsets = [0]
        // Ids are `SyscallTable.id(of:)`'s: a name missing there is left out (and so not found).
        var byID: [(id: Int, name: String)] = []
        for name in names {
            if let id = SyscallTable.id(of: name) { byID.append((id, name)) }
        }
        byID.sort { $0.id < $1.id }
        guard byID.enumerated().allSatisfy({ $0.offset == $0.element.id }) else {
            // Not the dense 0..<n ids expected: an index that finds nothing, so callers fall
            // back to `SyscallTable.id(of:)` (slower, never wrong).
            offsets = []
            return
        }
        for (id, name) in byID {
            bytes.append(contentsOf: name.utf8)
            offsets.append(bytes.count)
            var slot = Array(name.utf8).withUnsafeBufferPointer { Self.hash($0) } & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
        // Every name must be found as itself, by the same lookup callers use.
        for (id, name) in byID where lookup(name) != id {
            offsets = []
            return
        }
    }

    /// A hash of the bytes, eight at a time (names are short: one or two words).
    static func hash(_ s: UnsafeBufferPointer<UInt8>) -> Int {
        var h = UInt64(s.count) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        let raw = UnsafeRawBufferPointer(s)
        while i + 8 <= s.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0, shift: UInt64 = 0
        while i < s.count {
            tail |= UInt64(s[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// Whether two byte strings of the same length are equal, eight bytes at a time.
    @inline(__always) static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i + 8 <= a.count {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < a.count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// The name's id, or nil when the table does not know it.
    func id(of name: String) -> Int? {
        if offsets.isEmpty { return SyscallTable.id(of: name) }
        return lookup(name)
    }

    private func lookup(_ name: String) -> Int? {
        let found: Int?? = name.utf8.withContiguousStorageIfAvailable { s -> Int? in
            var slot = Self.hash(s) & mask
            while true {
                let id = Int(slots[slot])
                if id < 0 { return nil }
                let start = offsets[id], end = offsets[id + 1]
                if end - start == s.count {
                    let equal = bytes.withUnsafeBytes { b in Self.equal(UnsafeRawBufferPointer(rebasing: b[start..<end]), UnsafeRawBufferPointer(s)) }
                    if equal { return id }
                }
                slot = (slot + 1) & mask
            }
        }
        return found ?? SyscallTable.id(of: name)
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
    /// The policy's decision tables with their names resolved to ids (names no table knows are
    /// dropped), read once per compile: per entry the name id, where the decision sits in the
    /// policy's dictionary, and for the passes its plain action (an index into `actions`) or its
    /// rules (an index into `ruled`).
    struct Entries {
        typealias Position = Dictionary<String, SyscallDecision>.Index

        struct Table {
            var ids: [Int32] = []
            var positions: [Position] = []
            /// >= 0: the decision has no rules, `actions[kind]` is its action; < 0: it has rules,
            /// `ruled[-kind - 1]` is the decision.
            var kinds: [Int32] = []
            var priorities: [Int] = []
            /// Which of `Policy.abiSyscalls` this table is (nil: `Policy.syscalls`).
            var abi: Architecture?
        }

        var shared = Table()
        var perABI: [Table] = []
        /// The distinct actions of rule-free decisions (by `==`), the policy's default action
        /// first (index 0).
        var actions: [Action] = []
        /// The index of the policy's other-ABI action in `actions`.
        var otherArchitecture = 0
        var ruled: [SyscallDecision] = []

        subscript(abi: Architecture) -> Table {
            for t in perABI where t.abi == abi { return t }
            return shared
        }

        /// The dictionary `table` was read from.
        func decisions(_ table: Table, of policy: Policy) -> [String: SyscallDecision] {
            table.abi.flatMap { policy.abiSyscalls[$0] } ?? policy.syscalls
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

    static func resolvedEntries(_ policy: Policy) -> Entries {
        var e = Entries()
        e.actions = [policy.defaultAction]
        e.otherArchitecture = Int(e.actionIndex(policy.otherArchitectureAction))
        let names = NameIndex.shared
        func resolve(_ t: [String: SyscallDecision], abi: Architecture?) -> Entries.Table {
            var out = Entries.Table()
            out.abi = abi
            out.ids.reserveCapacity(t.count)
            out.positions.reserveCapacity(t.count)
            out.kinds.reserveCapacity(t.count)
            out.priorities.reserveCapacity(t.count)
            var last: (action: Action, kind: Int32)?
            var i = t.startIndex
            while i != t.endIndex {
                defer { i = t.index(after: i) }
                guard let id = names.id(of: t.keys[i]) else { continue }
                let kind: Int32
                if t.values[i].rules.isEmpty {
                    let a = t.values[i].action
                    if let l = last, same(l.action, a) {
                        kind = l.kind
                    } else {
                        kind = e.actionIndex(a)
                        last = (a, kind)
                    }
                } else {
                    e.ruled.append(t.values[i])
                    kind = -Int32(e.ruled.count)
                }
                out.ids.append(Int32(id))
                out.positions.append(i)
                out.kinds.append(kind)
                out.priorities.append(t.values[i].priority)
            }
            return out
        }
        e.shared = resolve(policy.syscalls, abi: nil)
        for abi in policy.abiSyscalls.keys.sorted() {
            if let t = policy.abiSyscalls[abi] { e.perABI.append(resolve(t, abi: abi)) }
        }
        return e
    }
}
