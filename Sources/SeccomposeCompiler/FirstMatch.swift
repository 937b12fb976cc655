// FirstMatch.swift: the self-check's oracle for a decision with argument rules, fast enough to
// ask once per probe.
//
// `SyscallDecision.action(arguments:argumentBits:)` tries the rules in order: asked once per
// probe, and the self-check makes about ten probes per condition, n rules cost O(n²). When every
// condition compares one and the same argument on the same bits without a mask (value sets such
// as ioctl requests, ranges such as RestrictAddressFamilies= bounds or a profile's `<`/`>`
// rules), the decision is a function of that argument alone, constant between the constants'
// breakpoints (each constant and the value after it): painting the elementary intervals between
// breakpoints with the first rule that covers them (each rule covers at most a few runs of
// intervals; a painted interval is skipped by a union-find pointer) takes O(n log n), and a
// probe is a binary search. `FirstMatchTests` holds it to the rule-by-rule evaluation.

import SeccomposePolicy

extension SelfCheck {
    /// A decision's first-match evaluation (`SyscallDecision.action(arguments:argumentBits:)`),
    /// precomputed per interval of one argument when the decision depends on one argument only.
    struct FirstMatch {
        let decision: SyscallDecision
        let argumentBits: Int
        /// The argument every condition compares, and the bits compared.
        var index = 0
        var keep: UInt64 = .max
        /// Ascending starts of the elementary intervals (the first is 0), and the action of the
        /// first rule covering each (nil: no rule; the decision's action).
        var starts: [UInt64] = []
        var painted: [Action?] = []
        var precomputed = false

        init(_ decision: SyscallDecision, argumentBits: Int) {
            self.decision = decision
            self.argumentBits = argumentBits
            guard decision.rules.count >= 8, let first = decision.rules.first(where: { !$0.conditions.isEmpty })?.conditions.first,
                first.index < 6
            else { return }
            let bits = first.comparedBits(argumentBits: argumentBits)
            keep = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
            index = first.index
            var cuts: Set<UInt64> = [0]
            for rule in decision.rules {
                for c in rule.conditions {
                    guard c.index == index, c.op != .maskedEqual, c.comparedBits(argumentBits: argumentBits) == bits else { return }
                    let v = c.value & keep
                    cuts.insert(v)
                    if v < keep { cuts.insert(v + 1) }
                }
            }
            starts = cuts.sorted()
            painted = [Action?](repeating: nil, count: starts.count)
            // next[i]: the first unpainted interval at or after i (starts.count: none).
            var next = Array(0...starts.count)
            func find(_ i: Int) -> Int {
                var root = i
                while next[root] != root { root = next[root] }
                var j = i
                while next[j] != root { (next[j], j) = (root, next[j]) }
                return root
            }
            for rule in decision.rules {
                for (lo, hi) in ranges(of: rule) where lo <= hi {
                    var i = find(lo)
                    while i <= hi {
                        painted[i] = rule.action
                        next[i] = i + 1
                        i = find(i + 1)
                    }
                }
            }
            precomputed = true
        }

        /// The runs of elementary intervals (first and last index) where every condition of
        /// `rule` holds.
        func ranges(of rule: Rule) -> [(Int, Int)] {
            var out = [(0, starts.count - 1)]
            for c in rule.conditions {
                let v = c.value & keep
                // The interval that starts at v (every constant starts one).
                let at = position(v)
                let allowed: [(Int, Int)]
                switch c.op {
                case .equal: allowed = [(at, at)]
                case .notEqual: allowed = [(0, at - 1), (at + 1, starts.count - 1)]
                case .less: allowed = [(0, at - 1)]
                case .lessOrEqual: allowed = [(0, at)]
                case .greater: allowed = [(at + 1, starts.count - 1)]
                case .greaterOrEqual: allowed = [(at, starts.count - 1)]
                case .maskedEqual: allowed = []  // excluded by init
                }
                var cut: [(Int, Int)] = []
                for (a, b) in out {
                    for (c, d) in allowed where max(a, c) <= min(b, d) { cut.append((max(a, c), min(b, d))) }
                }
                out = cut
            }
            return out
        }

        /// The index of the elementary interval holding `value` (already masked to the bits).
        func position(_ value: UInt64) -> Int {
            var lo = 0, hi = starts.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if starts[mid] <= value { lo = mid + 1 } else { hi = mid }
            }
            return lo - 1
        }

        func action(_ arguments: [UInt64]) -> Action {
            guard precomputed else { return decision.action(arguments: arguments, argumentBits: argumentBits) }
            let a = index < arguments.count ? arguments[index] : 0
            return painted[position(a & keep)] ?? decision.action
        }
    }
}
