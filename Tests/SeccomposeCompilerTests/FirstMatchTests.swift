// The self-check's precomputed first-match oracle (FirstMatch.swift) decides as the rule-by-rule
// evaluation of SyscallDecision, on random decisions over one argument (and on ones it must
// leave to the rules: masks, two arguments, mixed widths).

@testable import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeTestSupport
import Testing

@Suite("Self-check: the precomputed first-match oracle")
struct FirstMatchTests {
    static let operators: [ArgumentCondition.Operator] = [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]
    static let actions: [Action] = [.allow, .errno(1), .log, .killProcess]

    @Test("random single-argument decisions: every probe decides as the rules", arguments: [64, 32])
    func singleArgument(argumentBits: Int) {
        var rng = SplitMix(state: UInt64(argumentBits) &* 7919)
        let edges: [UInt64] = [0, 1, 0xFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, .max - 1, .max]
        var precomputed = 0, probes = 0
        for round in 0..<300 {
            var rules: [Rule] = []
            var constants: [UInt64] = []
            for _ in 0..<(8 + round % 60) {
                var conditions: [ArgumentCondition] = []
                for _ in 0..<(Int(rng.next() % 3)) {
                    let v = rng.next() % 3 == 0 ? edges[Int(rng.next() % UInt64(edges.count))] : rng.next() % 200
                    let op = Self.operators[Int(rng.next() % UInt64(Self.operators.count))]
                    conditions.append(ArgumentCondition(index: 2, op, v, is32Bit: round % 5 == 0))
                    constants.append(v)
                }
                rules.append(Rule(conditions, action: Self.actions[Int(rng.next() % UInt64(Self.actions.count))]))
            }
            let decision = SyscallDecision(action: .errno(9), origin: nil, rules: rules)
            let oracle = SelfCheck.FirstMatch(decision, argumentBits: argumentBits)
            if oracle.precomputed { precomputed += 1 }
            var values = edges
            for c in constants { values += [c, c &- 1, c &+ 1, c ^ 0x1_0000_0000] }
            for _ in 0..<50 { values.append(rng.next()) }
            for v in values {
                let args: [UInt64] = [7, 7, v, 0, 0, 0]
                #expect(oracle.action(args) == decision.action(arguments: args, argumentBits: argumentBits), "round \(round), a2 = \(v)")
                probes += 1
            }
        }
        #expect(precomputed > 250 && probes > 50_000)
    }

    @Test("decisions it must leave to the rules are left to them")
    func fallback() {
        let value = (0..<10).map { Rule([ArgumentCondition(index: 1, .equal, UInt64($0))], action: .allow) }
        let masked = value + [Rule([ArgumentCondition(index: 1, .maskedEqual, 4, mask: 4)], action: .log)]
        let twoArguments = value + [Rule([ArgumentCondition(index: 2, .equal, 4)], action: .log)]
        let widths = value + [Rule([ArgumentCondition(index: 1, .greater, 4, is32Bit: true)], action: .log)]
        #expect(SelfCheck.FirstMatch(SyscallDecision(action: .errno(1), origin: nil, rules: value), argumentBits: 64).precomputed)
        for rules in [masked, twoArguments, widths] {
            let d = SyscallDecision(action: .errno(1), origin: nil, rules: rules)
            let oracle = SelfCheck.FirstMatch(d, argumentBits: 64)
            #expect(!oracle.precomputed)
            for v: UInt64 in [0, 4, 5, 0x1_0000_0004] {
                #expect(oracle.action([0, v, 4, 0, 0, 0]) == d.action(arguments: [0, v, 4, 0, 0, 0], argumentBits: 64))
            }
        }
    }
}
