// LevelIndex.swift: where a new node goes in a level of libseccomp's rule tree, found by binary
// search instead of a walk.
//
// libseccomp keeps each level of its tree as a sorted linked list and walks it to place a new
// node, so a profile with N values of one argument costs N²/2 steps to load (in libseccomp and
// in the model of it, `LibseccompRuleDatabase.add`). The model keeps the same list, so its
// decisions cannot change, and beside each level this index: the nodes' sort keys in list
// order, so the node where the walk would stop is found in O(log n) steps. The index holds only
// while the list is sorted; an insertion that breaks the order (a walk that starts in the middle
// of a level, through a pointer libseccomp shares between two branches) or a node that is in
// some level already makes the level fall back to the walk for good, and so does the death of
// any of its nodes (a subtree an action replaced).

extension LibseccompRuleDatabase {
    /// The sort keys of one level's nodes, in list order (non-increasing while it is kept).
    final class LevelIndex {
        /// A node and its key. The node is not retained (the level's list holds it): a node
        /// that dies takes the index with it (`Node.deinit` abandons it), so no entry dangles.
        struct Entry {
            var key: UInt64
            var reference: Unmanaged<Node>
            var node: Node { reference.takeUnretainedValue() }
            init(key: UInt64, node: Node) {
                self.key = key
                reference = Unmanaged.passUnretained(node)
            }
        }

        var entries: [Entry]
        /// False once the order is not kept: the level is walked.
        var kept = true

        init(_ node: Node) {
            entries = [Entry(key: node.sortKey, node: node)]
        }

        /// Where the walk from `existing` would stop for the new node `n`.
        enum Stop {
            /// At a node with the same test: `n` merges into it.
            case merge(Node)
            /// `n` goes before `before`, or after `after` (the last node of the level).
            case insert(before: Node?, after: Node?)
        }

        /// Where the walk would stop, with the index updated for an insertion; nil when the
        /// level must be walked (then nothing has changed).
        static func stop(from existing: Node, for n: Node) -> Stop? {
            // A new node is in no level yet; anything else is left to the walk.
            guard n !== existing, n.previousSibling == nil, n.nextSibling == nil,
                n.level.map({ $0.entries.count == 1 }) ?? true
            else { return nil }
            let level: LevelIndex
            if let l = existing.level {
                level = l
            } else {
                // A level without an index is indexed only while it is one node.
                guard existing.previousSibling == nil, existing.nextSibling == nil else { return nil }
                level = LevelIndex(existing)
                existing.level = level
            }
            guard level.kept else { return nil }
            let ke = existing.sortKey, kn = n.sortKey
            // `existing` among the nodes with its key.
            var e = level.firstIndex { $0 <= ke }
            // (Every entry of a kept level is alive: a node's death abandons its level.)
            while e < level.entries.count, level.entries[e].key == ke, level.entries[e].node !== existing { e += 1 }
            guard e < level.entries.count, level.entries[e].key == ke else {
                level.abandon()
                return nil
            }
            // The nodes from hi on sort before n; the walk stops at the first of them, or before
            // it at a node with n's test. Such a node need not have n's key (the test is the
            // same for several operators: `<`'s upper-word `==` and `==` itself), so each key a
            // node with n's test can have is searched, from `existing` on.
            let hi = level.firstIndex { $0 < kn }
            let at: Int, stop: Stop
            if e >= hi {
                // The walk stops at once: n merges into `existing` or goes before it (out of
                // order unless e == hi).
                if existing.sameTest(as: n) { return .merge(existing) }
                at = e
                stop = .insert(before: existing, after: nil)
            } else {
                var first: Node?, firstAt = hi
                for k in n.sameTestKeys where k >= kn {
                    let start = max(e, level.firstIndex { $0 <= k }), end = min(firstAt, level.firstIndex { $0 < k })
                    guard start < end else { continue }
                    for i in start..<end where level.entries[i].node.sameTest(as: n) {
                        first = level.entries[i].node
                        firstAt = i
                        break
                    }
                }
                if let x = first { return .merge(x) }
                at = hi
                if hi < level.entries.count {
                    // The first node that sorts before n: it may still have n's test.
                    let x = level.entries[hi].node
                    if x.sameTest(as: n) { return .merge(x) }
                    stop = .insert(before: x, after: nil)
                } else {
                    guard let last = level.entries.last?.node else { return nil }
                    stop = .insert(before: nil, after: last)
                }
            }
            if at == hi {
                level.entries.insert(Entry(key: kn, node: n), at: at)
                n.level = level
            } else {
                level.abandon()
                n.level = nil
            }
            return stop
        }

        /// The first entry whose key satisfies `below` (a predicate that holds on a suffix).
        func firstIndex(_ below: (UInt64) -> Bool) -> Int {
            var lo = 0, hi = entries.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if below(entries[mid].key) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }

        func abandon() {
            kept = false
            entries = []
        }

        /// Stops indexing the level `node` is in (it is about to be walked and changed).
        static func forget(_ node: Node) {
            node.level?.abandon()
            node.level = nil
        }
    }
}
