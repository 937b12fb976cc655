// PIDSet.swift: the process tree's members, a set of pids in an open-addressing table.
//
// A `Set<Int32>` costs every `run` a look-up of `Int32: Hashable` among all the conformance
// records of the binary the first time one is made (the runtime instantiates the set's storage
// class); this table is a plain `[Int64]`, which needs no conformance at all.

/// A set of pids (any `Int32`), in one array with linear probing.
struct PIDSet: Sendable, ExpressibleByArrayLiteral {
    /// Slot markers, outside the range of an `Int32`.
    private static let empty = Int64.min
    private static let removed = Int64.min + 1

    private var slots: [Int64]
    /// Members, and members plus removed slots (probing passes over those).
    private(set) var count = 0
    private var used = 0

    /// An empty set.
    init() { slots = [] }

    /// A set of `elements`.
    init(arrayLiteral elements: Int32...) {
        self.init()
        for e in elements { insert(e) }
    }

    /// Whether `pid` is a member.
    func contains(_ pid: Int32) -> Bool {
        guard !slots.isEmpty else { return false }
        let key = Int64(pid)
        var i = Self.start(pid, slots.count)
        while true {
            let s = slots[i]
            if s == key { return true }
            if s == Self.empty { return false }
            i = (i + 1) & (slots.count - 1)
        }
    }

    /// Adds `pid`; returns whether it was not a member before.
    @discardableResult
    mutating func insert(_ pid: Int32) -> Bool {
        if contains(pid) { return false }
        // At most half the slots in use (members and removed ones), so probes stay short and
        // an empty slot always ends a probe.
        if (used + 1) * 2 > slots.count { rebuild(capacity: max(16, (count + 1) * 4)) }
        var i = Self.start(pid, slots.count)
        while slots[i] != Self.empty && slots[i] != Self.removed { i = (i + 1) & (slots.count - 1) }
        if slots[i] == Self.empty { used += 1 }
        slots[i] = Int64(pid)
        count += 1
        return true
    }

    /// Removes `pid` if it is a member.
    mutating func remove(_ pid: Int32) {
        guard !slots.isEmpty else { return }
        let key = Int64(pid)
        var i = Self.start(pid, slots.count)
        while slots[i] != Self.empty {
            if slots[i] == key {
                slots[i] = Self.removed
                count -= 1
                return
            }
            i = (i + 1) & (slots.count - 1)
        }
    }

    /// Adds every pid of `pids`.
    mutating func formUnion(_ pids: [Int32]) {
        for p in pids { insert(p) }
    }

    /// The members, in no particular order.
    var elements: [Int32] {
        slots.compactMap { $0 == Self.empty || $0 == Self.removed ? nil : Int32(truncatingIfNeeded: $0) }
    }

    /// A power-of-two table of at least `capacity` slots holding the members.
    private mutating func rebuild(capacity: Int) {
        let old = elements
        var size = 16
        while size < capacity { size *= 2 }
        slots = [Int64](repeating: Self.empty, count: size)
        count = 0
        used = 0
        for p in old {
            var i = Self.start(p, size)
            while slots[i] != Self.empty { i = (i + 1) & (size - 1) }
            slots[i] = Int64(p)
            count += 1
            used += 1
        }
    }

    /// The first slot to probe for `pid` in a table of `size` (a power of two) slots.
    private static func start(_ pid: Int32, _ size: Int) -> Int {
        // Fibonacci hashing: consecutive pids spread over the table.
        Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: pid)) &* 0x9E37_79B9_7F4A_7C15) >> 40) & (size - 1)
    }
}
