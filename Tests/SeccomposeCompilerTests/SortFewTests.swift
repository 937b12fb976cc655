// SortFewTests.swift: argument code's own sort (insertion for short arrays) against the
// standard library's stable sort.

import Testing

@testable import SeccomposeCompiler

@Suite("argument code's sort of short arrays")
struct SortFewTests {
    @Test("sortFew orders as sort() does, keeping equal keys in order, short and long")
    func sameAsStandardSort() {
        var rng = SystemRandomNumberGenerator()
        for count in Array(0...40) + [127, 128, 129, 300] {
            for _ in 0..<20 {
                let values = (0..<count).map { _ in UInt64.random(in: 0...UInt64(max(1, count / 3)), using: &rng) }
                var few = values
                ArgumentCode.sortFew(&few)
                #expect(few == values.sorted(), "\(values)")
                // Stability: pairs ordered by their first element only keep their order of arrival.
                let pairs = values.enumerated().map { (UInt32(truncatingIfNeeded: $0.element), $0.offset) }
                var stable = pairs
                ArgumentCode.sortFew(&stable) { $0.0 < $1.0 }
                let expected = pairs.sorted { $0.0 < $1.0 }
                #expect(stable.map(\.0) == expected.map(\.0) && stable.map(\.1) == expected.map(\.1), "\(values)")
            }
        }
    }
}
