// The partition of a word is exact: every value lies in exactly one class, values of one class
// give every test the same outcome, and each class's witness is one of its members.

import Testing

@testable import SeccomposeDiff

@Suite("word partition")
struct WordClassTests {
    /// A deterministic generator (SplitMix64), so a failure is reproducible.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Random tests on the low 12 bits (whole-word and masked), so every value below 2¹² can be
    /// checked by brute force, plus values far above.
    @Test("random tests: every value in exactly one class with the class's outcomes", arguments: 0..<16)
    func randomPartition(seed: Int) {
        var g = Generator(state: UInt64(seed))
        var predicates: Set<WordPredicate> = []
        for _ in 0..<Int.random(in: 1...8, using: &g) {
            let op = [WordPredicate.Operation.equal, .greater, .greaterOrEqual, .anyBitSet].randomElement(using: &g) ?? .equal
            let mask: UInt32 = Bool.random(using: &g) ? .max : UInt32.random(in: 1...0xFFF, using: &g)
            predicates.insert(WordPredicate(mask: mask, op, UInt32.random(in: 0...0xFFF, using: &g)))
        }
        let classes = WordClass.partition(predicates)
        let list = Array(predicates)
        var probes = Array(UInt32(0)..<0x1000)
        probes += (0..<200).map { _ in UInt32.random(in: 0...UInt32.max, using: &g) } + [.max, .max - 1]
        for v in probes {
            let holding = classes.indices.filter { classes[$0].contains(v) }
            #expect(holding.count == 1, "value \(v) is in \(holding.count) classes of \(list)")
            guard let c = holding.first else { continue }
            let w = classes[c].witness
            #expect(list.allSatisfy { $0.holds(v) == $0.holds(w) }, "value \(v) and witness \(w) differ on \(list)")
        }
        for (i, c) in classes.enumerated() {
            #expect(c.contains(c.witness), "class \(i) does not contain its witness")
        }
    }

    @Test("an unsatisfiable conjunction has no witness; a satisfiable one gets its smallest value")
    func solver() {
        let eq5 = WordPredicate(.equal, 5)
        #expect(WordSolver.smallest([WordLiteral(eq5, true), WordLiteral(eq5, false)]) == nil)
        // (w & 0xF0) == 0x30 and w > 0x35 and bit 0 clear: 0x36.
        let lits = [WordLiteral(WordPredicate(mask: 0xF0, .equal, 0x30), true), WordLiteral(WordPredicate(.greater, 0x35), true),
            WordLiteral(WordPredicate(mask: 1, .anyBitSet, 0), false)]
        #expect(WordSolver.smallest(lits) == 0x36)
        // A constant with bits outside the mask: (w & 0xF) == 0x10 never holds; (w & 0xF) < 0x10 always.
        #expect(WordSolver.smallest([WordLiteral(WordPredicate(mask: 0xF, .equal, 0x10), true)]) == nil)
        #expect(WordSolver.smallest([WordLiteral(WordPredicate(mask: 0xF, .greaterOrEqual, 0x10), false)]) == 0)
        // Docker's clone test: the flags under 0x7E020000 all clear, or not.
        let clone = WordClass.partition([WordPredicate(mask: 0x7E02_0000, .anyBitSet, 0)])
        #expect(clone.count == 2)
        #expect(Set(clone.map { $0.witness & 0x7E02_0000 == 0 }) == [true, false])
    }
}
