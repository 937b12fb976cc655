// PIDSet (the process tree's members) against the standard library's Set<Int32> under random
// inserts, removals and look-ups, including pids that collide, negative values and the extremes.

import SeccomposeTestSupport
import Testing

@testable import SeccomposeRuntime

@Suite("pid set")
struct PIDSetTests {
    @Test("random operations agree with Set<Int32>", arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func agreesWithSet(seed: UInt64) {
        var rng = SplitMix(state: seed)
        var mine = PIDSet()
        var reference = Set<Int32>()
        // Small ranges make collisions, removals of members and reinsertions common.
        let range = seed % 2 == 0 ? Int32(-40)...Int32(200) : Int32(1)...Int32(5000)
        for step in 0..<6000 {
            let pid = Int32.random(in: range, using: &rng)
            switch rng.next() % 4 {
            case 0, 1:
                #expect(mine.insert(pid) == reference.insert(pid).inserted, "insert \(pid) at step \(step)")
            case 2:
                mine.remove(pid)
                reference.remove(pid)
            default:
                #expect(mine.contains(pid) == reference.contains(pid), "contains \(pid) at step \(step)")
            }
            #expect(mine.count == reference.count)
        }
        #expect(Set(mine.elements) == reference)
        #expect(mine.elements.count == reference.count)
        for pid in range { #expect(mine.contains(pid) == reference.contains(pid)) }
    }

    @Test("extremes, literals and unions")
    func extremes() {
        var s: PIDSet = [Int32.min, Int32.max, 0, -1, 1]
        #expect(s.count == 5 && s.contains(.min) && s.contains(.max) && s.contains(0) && s.contains(-1))
        #expect(!s.contains(2))
        s.formUnion([2, 3, 2, Int32.max])
        #expect(s.count == 7)
        for p in [Int32.min, -1, 0] { s.remove(p) }
        #expect(Set(s.elements) == [1, 2, 3, Int32.max])
        #expect(!PIDSet().contains(0) && PIDSet().elements.isEmpty)
    }
}
