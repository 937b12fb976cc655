// SharedRuleLists.swift: first-match rule lists with shared, hash-consed tails.
//
// Flattening libseccomp's decision tree writes, for each node of a level, that node's rules and
// then the rest of the level: with plain arrays every node copies the rest, so N rules on one
// argument cost N² work. Here a list is a cell index; a cell holds one rule and the index of the
// list after it, and equal cells are stored once, so equal lists are equal indices: the shared
// rest is never copied, "does this list end in that one" is an index comparison after a
// logarithmic walk (each cell also keeps a skew-binary jump pointer), and lists can key a memo.

import SeccomposePolicy

extension LibseccompRuleDatabase {
    struct SharedRuleLists {
        struct Cell: Hashable {
            var rule: FlatRule
            var next: Int
        }

        /// The empty list.
        static let empty = 0
        private var rules: [FlatRule?] = [nil]
        private var nexts: [Int] = [0]
        private var jumps: [Int] = [0]
        private var lengths: [Int] = [0]
        private var index: [Cell: Int] = [:]

        /// Cells made so far (the size of everything written down).
        var cellCount: Int { rules.count - 1 }

        func count(_ list: Int) -> Int { lengths[list] }

        /// `rule` followed by `list`.
        mutating func cons(_ rule: FlatRule, _ list: Int) -> Int {
            let cell = Cell(rule: rule, next: list)
            if let i = index[cell] { return i }
            // Skew-binary jump pointers: a walk to any shorter suffix takes O(log n) steps.
            let j = jumps[list], jj = jumps[j]
            let jump = list != 0 && lengths[list] - lengths[j] == lengths[j] - lengths[jj] ? jj : list
            rules.append(rule)
            nexts.append(list)
            jumps.append(jump)
            lengths.append(lengths[list] + 1)
            let i = rules.count - 1
            index[cell] = i
            return i
        }

        /// `prefix` followed by `list`.
        mutating func list(_ prefix: [FlatRule], then list: Int) -> Int {
            var l = list
            for r in prefix.reversed() { l = cons(r, l) }
            return l
        }

        /// The suffix of `list` with `length` rules (`length` ≤ the list's count).
        func suffix(_ list: Int, length: Int) -> Int {
            var l = list
            while lengths[l] > length { l = lengths[jumps[l]] >= length ? jumps[l] : nexts[l] }
            return l
        }

        /// The longest common suffix of two lists.
        func commonSuffix(_ a: Int, _ b: Int) -> Int {
            let n = min(lengths[a], lengths[b])
            var x = suffix(a, length: n), y = suffix(b, length: n)
            // Equal lists stay equal to the end: skip ahead while the jump targets still differ.
            while x != y {
                if jumps[x] != jumps[y] {
                    x = jumps[x]
                    y = jumps[y]
                } else {
                    x = nexts[x]
                    y = nexts[y]
                }
            }
            return x
        }

        /// The rules of `list` before its suffix `tail` (which must be a suffix of it).
        func rules(of list: Int, before tail: Int) -> [FlatRule] {
            var out: [FlatRule] = []
            out.reserveCapacity(lengths[list] - lengths[tail])
            var l = list
            while l != tail, l != 0, let r = rules[l] {
                out.append(r)
                l = nexts[l]
            }
            return out
        }

        /// All rules of `list`.
        func elements(_ list: Int) -> [FlatRule] { rules(of: list, before: 0) }
    }
}
