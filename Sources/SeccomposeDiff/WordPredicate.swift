// WordPredicate.swift: one test a seccomp program makes on one 32-bit word of seccomp_data,
// and the exact solver that finds a word satisfying a conjunction of such tests.

/// A test a classic-BPF program makes on one 32-bit word of `struct seccomp_data`:
/// `(word & mask) == constant`, `> constant`, `>= constant`, or `(word & mask) != 0`.
///
/// Classic BPF compares the accumulator with `JEQ`, `JGT`, `JGE` and `JSET`; after `AND`s with
/// constants the accumulator is the loaded word under a mask, so every branch of a seccomp
/// program on an input word is one of these tests.
public struct WordPredicate: Sendable, Hashable, Comparable {
    /// The comparison.
    public enum Operation: UInt8, Sendable, Hashable, Comparable {
        /// `(word & mask) == constant`.
        case equal
        /// `(word & mask) > constant` (unsigned).
        case greater
        /// `(word & mask) >= constant` (unsigned).
        case greaterOrEqual
        /// `(word & mask) != 0` (`JSET`; `constant` is unused and 0).
        case anyBitSet

        public static func < (l: Operation, r: Operation) -> Bool { l.rawValue < r.rawValue }
    }

    /// The bits of the word compared.
    public var mask: UInt32
    /// The comparison.
    public var operation: Operation
    /// The constant compared with (0 for `anyBitSet`).
    public var constant: UInt32

    /// The test `(word & mask) operation constant`.
    public init(mask: UInt32 = .max, _ operation: Operation, _ constant: UInt32) {
        self.mask = mask
        self.operation = operation
        self.constant = operation == .anyBitSet ? 0 : constant
    }

    /// Whether `word` passes the test.
    public func holds(_ word: UInt32) -> Bool {
        let v = word & mask
        switch operation {
        case .equal: return v == constant
        case .greater: return v > constant
        case .greaterOrEqual: return v >= constant
        case .anyBitSet: return v != 0
        }
    }

    /// Whether the test compares the whole word (an interval test).
    var isWholeWord: Bool { mask == .max && operation != .anyBitSet }

    public static func < (l: WordPredicate, r: WordPredicate) -> Bool {
        (l.mask, l.operation, l.constant) < (r.mask, r.operation, r.constant)
    }
}

/// A test with the outcome required of it.
public struct WordLiteral: Sendable, Hashable {
    /// The test.
    public var predicate: WordPredicate
    /// Whether the test must pass (true) or fail (false).
    public var outcome: Bool

    /// The test `predicate` with outcome `outcome`.
    public init(_ predicate: WordPredicate, _ outcome: Bool) {
        self.predicate = predicate
        self.outcome = outcome
    }

    /// Whether `word` gives the required outcome.
    public func holds(_ word: UInt32) -> Bool { predicate.holds(word) == outcome }
}

/// Finds words that satisfy conjunctions of literals, exactly (no sampling).
///
/// The search fixes the word's bits from the most significant down. For each literal it keeps
/// how the masked prefix compares with the constant (equal so far, greater, less; for
/// `anyBitSet`: whether a set bit was seen), which decides a literal as soon as the prefixes
/// differ; a branch is cut when a decided literal fails. Bits no literal looks at stay 0.
/// States that failed once are remembered per bit position, so the search is polynomial in
/// practice. Trying 0 before 1 makes the witness the smallest satisfying word.
enum WordSolver {
    /// The smallest word satisfying every literal, or nil when none does.
    static func smallest(_ literals: [WordLiteral]) -> UInt32? {
        if literals.isEmpty { return 0 }
        var relevant: UInt32 = 0
        for l in literals { relevant |= l.predicate.mask }
        var states = [UInt8](repeating: 0, count: literals.count)
        var failed: [Set<[UInt8]>] = Array(repeating: [], count: 33)
        var word: UInt32 = 0
        if search(bit: 31, literals: literals, relevant: relevant, states: &states, word: &word, failed: &failed) {
            return word
        }
        return nil
    }

    /// States: 0 equal so far (for anyBitSet: no set bit yet), 1 greater (a set bit seen), 2 less.
    private static func search(bit: Int, literals: [WordLiteral], relevant: UInt32, states: inout [UInt8],
        word: inout UInt32, failed: inout [Set<[UInt8]>]) -> Bool
    {
        if bit < 0 {
            for (i, l) in literals.enumerated() where !final(l, states[i]) { return false }
            return true
        }
        if failed[bit + 1].contains(states) { return false }
        let b = UInt32(1) << UInt32(bit)
        let choices: [UInt32] = relevant & b == 0 ? [0] : [0, 1]
        let saved = states
        for v in choices {
            var viable = true
            for (i, l) in literals.enumerated() {
                let p = l.predicate
                guard states[i] == 0 else { continue }
                // The masked word has 0 outside the mask; the constant may not.
                let m: UInt32 = p.mask & b != 0 ? v : 0
                switch p.operation {
                case .anyBitSet:
                    if m == 1 { states[i] = 1 }
                default:
                    let c: UInt32 = p.constant & b != 0 ? 1 : 0
                    if m > c { states[i] = 1 } else if m < c { states[i] = 2 }
                }
                if states[i] != 0, let decided = decided(l, states[i]), !decided {
                    viable = false
                    break
                }
            }
            if viable {
                if v == 1 { word |= b } else { word &= ~b }
                if search(bit: bit - 1, literals: literals, relevant: relevant, states: &states, word: &word, failed: &failed) {
                    return true
                }
            }
            states = saved
        }
        word &= ~b
        failed[bit + 1].insert(saved)
        return false
    }

    /// Whether a literal already holds (true) or fails (false) once its prefix state is decided.
    private static func decided(_ l: WordLiteral, _ state: UInt8) -> Bool? {
        let value: Bool
        switch l.predicate.operation {
        case .anyBitSet: value = true  // a set bit was seen
        case .equal: value = false
        case .greater, .greaterOrEqual: value = state == 1
        }
        return value == l.outcome
    }

    /// Whether a literal holds at the end of the word.
    private static func final(_ l: WordLiteral, _ state: UInt8) -> Bool {
        let p = l.predicate
        let value: Bool
        switch p.operation {
        case .anyBitSet: value = state == 1
        case .equal: value = state == 0
        case .greater: value = state == 1
        case .greaterOrEqual: value = state != 2
        }
        return value == l.outcome
    }
}
