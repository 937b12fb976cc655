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

        /// Hashes the decision's action, rule count and end rules only: a decision with
        /// thousands of rules (ioctl values) is hashed in constant time; equality still compares
        /// it whole.
        func hash(into hasher: inout Hasher) {
            hasher.combine(argumentBits)
            hasher.combine(littleEndian)
            hasher.combine(decision.action)
            hasher.combine(decision.rules.count)
            hasher.combine(decision.rules.first)
            hasher.combine(decision.rules.last)
        }
    }

    struct Interval {
        var start: UInt32
        var key: LeafKey
        /// The highest priority hint of the syscalls in the interval.
        var priority: Int = 0
    }

    /// The maximal runs of numbers with one decision, covering 0…0xFFFFFFFF, for one audit value.
    static func numberIntervals(_ policy: Policy, audit: UInt32) -> [Interval] {
        numberIntervals(policy, audit: audit, entries: resolvedEntries(policy))
    }

    /// The policy's decisions by syscall-name id (names no table knows are dropped), per ABI.
    struct Entries {
        var shared: [(id: Int, decision: SyscallDecision)]
        var perABI: [Architecture: [(id: Int, decision: SyscallDecision)]]
        subscript(abi: Architecture) -> [(id: Int, decision: SyscallDecision)] { perABI[abi] ?? shared }
    }

    static func resolvedEntries(_ policy: Policy) -> Entries {
        func resolve(_ t: [String: SyscallDecision]) -> [(id: Int, decision: SyscallDecision)] {
            t.compactMap { name, d in SyscallTable.id(of: name).map { ($0, d) } }
        }
        return Entries(shared: resolve(policy.syscalls), perABI: policy.abiSyscalls.mapValues(resolve))
    }

    static func numberIntervals(_ policy: Policy, audit: UInt32, entries: Entries)
        -> [Interval]
    {
        // Resolve the policy's names once, then work with small integer ids.
        var keys: [LeafKey] = []
        var keyIDs: [LeafKey: Int] = [:]
        func id(_ k: LeafKey) -> Int {
            if let i = keyIDs[k] { return i }
            keys.append(k)
            keyIDs[k] = keys.count - 1
            return keys.count - 1
        }
        var plainIDs: [(Action, Int)] = []  // few distinct actions: a linear search beats hashing
        func plain(_ a: Action) -> Int {
            if let hit = plainIDs.first(where: { $0.0 == a }) { return hit.1 }
            let i = id(LeafKey(decision: SyscallDecision(action: a), argumentBits: 64, littleEndian: true))
            plainIDs.append((a, i))
            return i
        }
        // (start, key id) points in ascending order; each key holds until the next start.
        var points: [(UInt32, Int, Int)] = []  // (start, key id, priority)
        func addRegion(_ abi: Architecture?, from: UInt32, through: UInt32) {
            guard let abi, policy.architectures.contains(abi) else {
                points.append((from, plain(policy.otherArchitectureAction), 0))
                return
            }
            let fallback = plain(policy.defaultAction)
            let numbers = SyscallTable.numbersByID(on: abi)
            var listed: [(Int, Int, Int)] = []  // (number, key id, priority)
            for e in entries[abi] {
                let n = numbers[e.id]
                guard n >= Int(from), n <= Int(through) else { continue }
                let d = e.decision
                let key = d.rules.isEmpty
                    ? plain(d.action)
                    : id(LeafKey(decision: SyscallDecision(action: d.action, rules: d.rules.map { strip($0) }),
                        argumentBits: abi.argumentBits, littleEndian: abi.isLittleEndian))
                listed.append((n, key, d.priority))
            }
            listed.sort { $0.0 < $1.0 }
            points.append((from, fallback, 0))
            for (number, key, priority) in listed {
                points.append((UInt32(number), key, priority))
                if number < Int(through) { points.append((UInt32(number + 1), fallback, 0)) }
            }
        }
        if audit == Architecture.x86_64.auditArch {
            addRegion(.x86_64, from: 0, through: Architecture.x32SyscallBit - 1)
            addRegion(.x32, from: Architecture.x32SyscallBit, through: 0xFFFF_FFFE)
            addRegion(.x86_64, from: 0xFFFF_FFFF, through: 0xFFFF_FFFF)
        } else {
            addRegion(policy.architectures.first { $0.auditArch == audit }, from: 0, through: 0xFFFF_FFFF)
        }
        // Later points at the same start replace earlier ones; then merge equal neighbours.
        var out: [(start: UInt32, key: Int, priority: Int)] = []
        for (start, key, priority) in points {
            if let last = out.last, last.start == start {
                out[out.count - 1].key = key
                out[out.count - 1].priority = priority
            } else {
                out.append((start, key, priority))
            }
            if out.count >= 2, out[out.count - 2].key == out[out.count - 1].key {
                let merged = out.removeLast()
                out[out.count - 1].priority = max(out[out.count - 1].priority, merged.priority)
            }
        }
        return out.map { Interval(start: $0.start, key: keys[$0.key], priority: $0.priority) }
    }

    /// Drops origins, so that equal rules share code.
    static func strip(_ r: Rule) -> Rule { Rule(r.conditions, action: r.action) }
}
