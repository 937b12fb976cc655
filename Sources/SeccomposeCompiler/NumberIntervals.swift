// NumberIntervals.swift: pass 1, a policy's decisions as the maximal runs of syscall numbers
// with one decision, per AUDIT_ARCH value (x32 numbers are ranges of the x86-64 value).

import SeccomposePolicy
import SeccomposeSyscalls

extension Compiler {
    /// What decides a range of numbers: an ABI's decision for a syscall, or a plain action.
    struct LeafKey: Hashable {
        var decision: SyscallDecision
        var argumentBits: Int
        var littleEndian: Bool
        /// A function of the fields above (so equal keys have equal ones), hashed in their stead.
        private var fingerprint: Int

        init(decision: SyscallDecision, argumentBits: Int, littleEndian: Bool) {
            self.decision = decision
            self.argumentBits = argumentBits
            self.littleEndian = littleEndian
            fingerprint = Self.fingerprint(decision, argumentBits, littleEndian)
        }

        /// A mix of the decision's action, rule count and end rules' actions and constants: a
        /// decision with thousands of rules (ioctl values) is summed up in constant time, and
        /// without `Hasher` over every field; equality still compares the key whole.
        static func fingerprint(_ d: SyscallDecision, _ argumentBits: Int, _ littleEndian: Bool) -> Int {
            var h = UInt64(truncatingIfNeeded: argumentBits) &* 2 &+ (littleEndian ? 1 : 0)
            @inline(__always) func mix(_ v: UInt64) { h = (h ^ v) &* 0x9E37_79B9_7F4A_7C15; h ^= h >> 32 }
            mix(UInt64(d.action.returnValue))
            mix(UInt64(d.rules.count))
            for rule in [d.rules.first, d.rules.last] {
                guard let rule else { continue }
                mix(UInt64(rule.action.returnValue))
                mix(UInt64(rule.conditions.count))
                for c in rule.conditions.prefix(4) {
                    mix(UInt64(truncatingIfNeeded: c.index))
                    mix(c.value)
                    mix(c.mask)
                }
            }
            return Int(truncatingIfNeeded: h)
        }

        func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }

        /// The synthesized equality, with the fingerprint compared first: the dictionary of keys
        /// compares a key with every key it probes past, and most differ there.
        static func == (a: LeafKey, b: LeafKey) -> Bool {
            a.fingerprint == b.fingerprint && a.argumentBits == b.argumentBits && a.littleEndian == b.littleEndian
                && a.decision == b.decision
        }
    }

    struct Interval {
        var start: UInt32
        /// The interval's leaf: an index into the compile's `LeafKeys`.
        var key: Int
        /// The highest priority hint of the syscalls in the interval.
        var priority: Int = 0
    }

    /// The leaves of one compile, by small id: one id per distinct `LeafKey` (a plain action is
    /// `LeafKey(decision: SyscallDecision(action: a), argumentBits: 64, littleEndian: true)`,
    /// so ids are equal exactly when the keys are).
    struct LeafKeys {
        var keys: [LeafKey] = []
        var byKey: [LeafKey: Int] = [:]
        /// Key id per `Entries.actions` index (-1: not made yet).
        var plainByAction: [Int] = []
        /// Key id per (`Entries.ruled` index, ABI flavour: 32/64 bits, byte order), at
        /// `index * 4 + flavour` (-1: not made yet).
        var ruledByFlavour: [Int] = []

        mutating func id(_ k: LeafKey) -> Int {
            let id = byKey.id(for: k, next: keys.count)
            if id == keys.count { keys.append(k) }
            return id
        }

        mutating func plain(_ action: Int, _ entries: Entries) -> Int {
            while plainByAction.count <= action { plainByAction.append(-1) }
            if plainByAction[action] >= 0 { return plainByAction[action] }
            let i = id(LeafKey(decision: SyscallDecision(action: entries.actions[action]), argumentBits: 64, littleEndian: true))
            plainByAction[action] = i
            return i
        }

        mutating func ruled(_ index: Int, _ entries: Entries, abi: Architecture) -> Int {
            let flavour = index * 4 + (abi.argumentBits == 64 ? 2 : 0) + (abi.isLittleEndian ? 1 : 0)
            if ruledByFlavour.count <= flavour {
                ruledByFlavour.append(contentsOf: repeatElement(-1, count: max(flavour + 1, entries.ruled.count * 4) - ruledByFlavour.count))
            }
            if ruledByFlavour[flavour] >= 0 { return ruledByFlavour[flavour] }
            let d = entries.ruled[index]
            let i = id(LeafKey(decision: SyscallDecision(action: d.action, rules: d.rules.map { strip($0) }),
                argumentBits: abi.argumentBits, littleEndian: abi.isLittleEndian))
            ruledByFlavour[flavour] = i
            return i
        }
    }

    /// The maximal runs of numbers with one decision, covering 0…0xFFFFFFFF, for one audit value.
    static func numberIntervals(_ policy: Policy, audit: UInt32) -> [Interval] {
        var keys = LeafKeys()
        return numberIntervals(policy, audit: audit, entries: resolvedEntries(policy), keys: &keys)
    }

    /// The intervals built from (start, key) points in ascending order, each key holding until
    /// the next start: a later point at the same start replaces the earlier one, equal
    /// neighbours merge (keeping the higher priority).
    struct IntervalList {
        var out: [Interval] = []

        @inline(__always) mutating func point(_ start: UInt32, _ key: Int, _ priority: Int) {
            let n = out.count
            if n > 0, out[n - 1].start == start {
                out[n - 1].key = key
                out[n - 1].priority = priority
            } else {
                out.append(Interval(start: start, key: key, priority: priority))
            }
            let m = out.count
            if m >= 2, out[m - 2].key == out[m - 1].key {
                out[m - 2].priority = max(out[m - 2].priority, out[m - 1].priority)
                out.removeLast()
            }
        }
    }

    static func numberIntervals(_ policy: Policy, audit: UInt32, entries: Entries, keys: inout LeafKeys) -> [Interval] {
        var list = IntervalList()
        list.out.reserveCapacity(2 * (entries.shared.ids.count + entries.perABI.reduce(0) { max($0, $1.ids.count) }) + 8)
        for a in entries.actions.indices { _ = keys.plain(a, entries) }
        let plainKeys = keys.plainByAction
        let regions: [(abi: Architecture?, from: UInt32, through: UInt32)] = audit == Architecture.x86_64.auditArch
            ? [(.x86_64, 0, Architecture.x32SyscallBit - 1), (.x32, Architecture.x32SyscallBit, 0xFFFF_FFFE),
                (.x86_64, 0xFFFF_FFFF, 0xFFFF_FFFF)]
            : [(policy.architectures.first { $0.auditArch == audit }, 0, 0xFFFF_FFFF)]
        for (abi, from, through) in regions {
            guard let abi, policy.architectures.contains(abi) else {
                list.point(from, plainKeys[entries.otherArchitecture], 0)
                continue
            }
            let fallback = plainKeys[0]
            let table = entries[abi]
            let order = NumberOrder.of(abi)
            let numbers = order.numbers, ranks = order.rankByID
            // The table's entries by the rank of their number on the ABI (no sort: ranks are dense),
            // as key ids.
            var slot = [Int32](repeating: -1, count: numbers.count)
            for (k, id) in table.ids.enumerated() {
                let r = ranks[Int(id)]
                if r >= 0 { slot[Int(r)] = Int32(k) }
            }
            list.point(from, fallback, 0)
            var r = NumberOrder.lowerBound(numbers, from)
            while r < numbers.count, numbers[r] <= through {
                let k = Int(slot[r])
                if k >= 0 {
                    let kind = Int(table.kinds[k])
                    let key = kind >= 0 ? plainKeys[kind] : keys.ruled(-kind - 1, entries, abi: abi)
                    let number = numbers[r]
                    list.point(number, key, table.priorities[k])
                    if number < through { list.point(number + 1, fallback, 0) }
                }
                r += 1
            }
        }
        return list.out
    }

    /// Drops origins, so that equal rules share code.
    static func strip(_ r: Rule) -> Rule { Rule(r.conditions, action: r.action) }
}
