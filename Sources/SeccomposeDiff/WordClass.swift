// WordClass.swift: the exact partition of one 32-bit word's values by the tests programs make.

/// A class of values of one 32-bit word that pass and fail exactly the same tests: an interval
/// (from the whole-word comparisons) cut by the masked tests that split it.
public struct WordClass: Sendable, Hashable {
    /// The smallest value of the interval.
    public var lower: UInt32
    /// The largest value of the interval.
    public var upper: UInt32
    /// Masked tests and their outcomes, for classes that are not whole intervals.
    public var literals: [WordLiteral]
    /// A value in the class (the smallest one unless a masked test split it): the
    /// representative every decision is judged on.
    public var witness: UInt32

    /// Whether `word` belongs to the class.
    public func contains(_ word: UInt32) -> Bool {
        word >= lower && word <= upper && literals.allSatisfy { $0.holds(word) }
    }

    /// Whether the class is every value of the word.
    public var isEverything: Bool { lower == 0 && upper == .max && literals.isEmpty }

    /// The class's bounds and masked tests as literals, for the solver.
    var allLiterals: [WordLiteral] {
        var l = literals
        if lower > 0 { l.append(WordLiteral(WordPredicate(.greaterOrEqual, lower), true)) }
        if upper < .max { l.append(WordLiteral(WordPredicate(.greater, upper), false)) }
        return l
    }

    /// The partition of all 2³² values by `predicates`: every value is in exactly one class,
    /// and two values in one class give every predicate the same outcome. Exact: masked tests
    /// split a class only where the solver finds a value with the other outcome.
    public static func partition(_ predicates: Set<WordPredicate>) -> [WordClass] {
        var starts: Set<UInt32> = [0]
        var masked: [WordPredicate] = []
        for p in predicates {
            guard p.isWholeWord else {
                masked.append(p)
                continue
            }
            switch p.operation {
            case .equal:
                starts.insert(p.constant)
                if p.constant < .max { starts.insert(p.constant + 1) }
            case .greater:
                if p.constant < .max { starts.insert(p.constant + 1) }
            case .greaterOrEqual, .anyBitSet:
                starts.insert(p.constant)
            }
        }
        let sorted = starts.sorted()
        var classes: [WordClass] = []
        classes.reserveCapacity(sorted.count)
        for (i, s) in sorted.enumerated() {
            let upper = i + 1 < sorted.count ? sorted[i + 1] - 1 : UInt32.max
            classes.append(WordClass(lower: s, upper: upper, literals: [], witness: s))
        }
        for p in masked.sorted() {
            var refined: [WordClass] = []
            refined.reserveCapacity(classes.count * 2)
            for c in classes {
                let outcome = p.holds(c.witness)
                if let other = quickOther(c, p, outcome) ?? WordSolver.smallest(c.allLiterals + [WordLiteral(p, !outcome)]) {
                    var a = c, b = c
                    a.literals.append(WordLiteral(p, outcome))
                    b.literals.append(WordLiteral(p, !outcome))
                    b.witness = other
                    refined.append(a)
                    refined.append(b)
                } else {
                    refined.append(c)
                }
            }
            classes = refined
        }
        return classes
    }

    /// A value of class `c` on which `p` does not give `outcome`, found by flipping one masked bit
    /// of the witness or by giving it the predicate's constant; nil when none of those is one
    /// (the solver then decides, exactly).
    static func quickOther(_ c: WordClass, _ p: WordPredicate, _ outcome: Bool) -> UInt32? {
        let w = c.witness
        var candidates: [UInt32] = [(w & ~p.mask) | (p.constant & p.mask)]
        var bits = p.mask
        while bits != 0 {
            let low = bits & (0 &- bits)
            candidates.append(w ^ low)
            bits &= bits - 1
        }
        return candidates.first { p.holds($0) != outcome && c.contains($0) }
    }
}
