// The run of value-set rules at the end of a decision's rules (DecisionTree.swift,
// `Compiler.valueSetCount`): counted without building it, with the constants compared in turn
// while few; it must be the run the earlier, hashed computation found.

@testable import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeTestSupport
import Testing

@Suite("compiler: value-set runs")
struct ValueSetRunTests {
    /// The computation `valueSetCount` replaces: the run itself, each constant hashed.
    static func reference(_ rules: ArraySlice<Rule>, argumentBits: Int) -> [Rule]? {
        guard let last = rules.last, last.conditions.count == 1, last.conditions[0].op == .equal else { return nil }
        let index = last.conditions[0].index
        let bits = last.conditions[0].comparedBits(argumentBits: argumentBits)
        let keep: UInt64 = bits >= 64 ? .max : 0xFFFF_FFFF
        var seen: Set<UInt64> = []
        var out: [Rule] = []
        for r in rules.reversed() {
            guard r.conditions.count == 1, let c = r.conditions.first, c.op == .equal, c.index == index,
                c.comparedBits(argumentBits: argumentBits) == bits, seen.insert(c.value & keep).inserted
            else { break }
            out.append(r)
        }
        return out.reversed()
    }

    @Test("the counted run is the hashed one, on random rule lists short and long, with repeats and other rules")
    func randomRuns() {
        var rng = SplitMix(state: 33)
        var long = 0
        for round in 0..<600 {
            let n = round % 5 == 0 ? Int.random(in: 30...200, using: &rng) : Int.random(in: 0...12, using: &rng)
            // Few distinct constants make repeats; a 32-bit test of a value above 2^32 repeats its low word.
            let spread: UInt64 = round % 3 == 0 ? 6 : 1 << 40
            // Other rules among them (another argument or width, another comparison, two
            // conditions) end a run: often in short lists, rarely in long ones.
            let odds = n > 12 ? 400 : 8
            var rules: [Rule] = []
            for _ in 0..<n {
                let v = UInt64.random(in: 0...spread, using: &rng)
                var c = ArgumentCondition(index: Int.random(in: 0..<odds, using: &rng) == 0 ? 1 : 0, .equal, v,
                    is32Bit: Int.random(in: 0..<odds, using: &rng) == 0)
                switch Int.random(in: 0..<(odds * 2), using: &rng) {
                case 0: c.op = .notEqual
                case 1: c.op = .maskedEqual
                default: break
                }
                let conditions = Int.random(in: 0..<(odds * 2), using: &rng) == 0 ? [c, ArgumentCondition(index: 2, .equal, 1)] : [c]
                rules.append(Rule(conditions, action: Bool.random(using: &rng) ? .allow : .errno(1)))
            }
            for bits in [32, 64] {
                for start in [0, n / 3] where start <= n {
                    let slice = rules[start...]
                    let expected = Self.reference(slice, argumentBits: bits)?.count ?? 0
                    let counted = Compiler.valueSetCount(ending: slice, argumentBits: bits)
                    #expect(counted == expected, "round \(round), \(bits) bits, from \(start)")
                    if counted > 32 { long += 1 }
                }
            }
        }
        #expect(long > 0, "some runs are long enough to be hashed")
    }
}
